namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Gathers the layers a cmdlet asked for. ${VAR} in the YAML file is looked up in the environment first,
/// then in the .env file, as python-dotenv (which never overrides set variables) would have it.
/// </summary>
public static class SettingsSources
{
    /// <param name="parameters">The command line's layer (see <see cref="SettingsLayer.Builder"/>), or null.</param>
    /// <param name="fromEnvironment">Read ENABLE_PATRONI, PATRONI_*, PG* from the environment.</param>
    /// <param name="envFile">A .env file to read, or null.</param>
    /// <param name="configPath">A YAML config file to read, or null.</param>
    /// <param name="environment">The environment to use instead of the process's (tests).</param>
    public static IReadOnlyList<SettingsLayer> Collect(SettingsLayer? parameters = null, bool fromEnvironment = false,
        string? envFile = null, string? configPath = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var layers = new List<SettingsLayer>();
        if (parameters is not null)
            layers.Add(parameters);
        if (fromEnvironment)
        {
            layers.Add(environment is null
                ? EnvironmentLayer.FromProcess()
                : EnvironmentLayer.FromDictionary(environment));
        }
        var dotEnv = envFile is null ? null : DotEnvFile.Parse(envFile);
        if (dotEnv is not null)
            layers.Add(dotEnv);
        if (configPath is not null)
        {
            Func<string, string?> lookup = environment is null
                ? Environment.GetEnvironmentVariable
                : name => environment.GetValueOrDefault(name);
            layers.Add(YamlConfigFile.Load(configPath, name => NonEmpty(lookup(name)) ?? dotEnv?[name]));
        }
        return layers;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
