namespace PatroniHa.Engine.Configuration;

/// <summary>The process environment, limited to the names in <see cref="SettingKeys.All"/>.</summary>
public static class EnvironmentLayer
{
    public const string SourceName = "environment";

    public static SettingsLayer FromProcess() =>
        FromLookup(Environment.GetEnvironmentVariable);

    /// <summary>An environment given as a dictionary (tests, or a runspace's own view of $env:).</summary>
    public static SettingsLayer FromDictionary(IReadOnlyDictionary<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return FromLookup(name => variables.GetValueOrDefault(name));
    }

    private static SettingsLayer FromLookup(Func<string, string?> lookup) =>
        new(SettingsSourceKind.Environment, SourceName,
            SettingKeys.All.Select(key => new KeyValuePair<string, string?>(key, lookup(key))));
}
