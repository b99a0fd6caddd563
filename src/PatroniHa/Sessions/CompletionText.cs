namespace PatroniHa.Sessions;

/// <summary>What tab completion inserts for a name.</summary>
internal static class CompletionText
{
    /// <summary>The name, single-quoted when PowerShell would otherwise split or expand it.</summary>
    public static string Quote(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or ';' or ',') ? $"'{name.Replace("'", "''")}'" : name;
}
