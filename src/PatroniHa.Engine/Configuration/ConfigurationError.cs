using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Configuration;

/// <summary>Builds the one exception kind configuration problems are reported with.</summary>
internal static class ConfigurationError
{
    public static PatroniHaException Create(string message, object? target = null) =>
        new(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, target);

    /// <summary>All problems in one exception, one per line, so the user fixes them in one go.</summary>
    public static PatroniHaException FromProblems(IReadOnlyList<string> problems, IReadOnlyList<string> settings)
    {
        var header = problems.Count == 1
            ? "The cluster configuration has a problem:"
            : $"The cluster configuration has {problems.Count} problems:";
        return Create(header + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)),
            settings.Distinct(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    /// <summary>A value fit to quote in a message: never a secret, never a page of text.</summary>
    public static string Quote(string key, string value)
    {
        if (SettingKeys.IsSecret(key))
            return "(hidden)";
        var shown = value.Length > 60 ? value[..57] + "..." : value;
        return "'" + shown.ReplaceLineEndings(" ") + "'";
    }
}
