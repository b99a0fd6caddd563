namespace PatroniHa.Engine.Configuration;

/// <summary>Where a layer comes from. A higher value wins when layers are merged.</summary>
public enum SettingsSourceKind
{
    Default = 0,
    YamlFile = 1,
    DotEnvFile = 2,
    Environment = 3,
    Parameter = 4,
}
