using System.Text.RegularExpressions;

namespace PatroniHa.Engine.Patroni;

/// <summary>Patroni's plain-text answers (and Python's HTML error pages) as one short readable line.</summary>
internal static partial class PatroniText
{
    public static string Clean(string body, int max = 300)
    {
        var text = body.TrimStart().StartsWith('<') ? Tags().Replace(body, " ") : body;
        text = Spaces().Replace(text, " ").Trim();
        if (text.Length == 0)
            return "(empty answer)";
        return text.Length <= max ? text : text[..max] + "…";
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
