using PatroniHa.Engine.Configuration;

namespace PatroniHa.Engine.Tests.Configuration;

/// <summary>Short ways to build layers in tests, without touching the real process environment.</summary>
internal static class Layers
{
    public static SettingsLayer Env(params (string Key, string? Value)[] values) =>
        EnvironmentLayer.FromDictionary(values.ToDictionary(v => v.Key, v => v.Value));

    public static SettingsLayer DotEnv(params (string Key, string Value)[] values) =>
        new(SettingsSourceKind.DotEnvFile, ".env file /test/.env",
            values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));

    /// <summary>A valid Patroni-mode environment, to which a test adds or overrides one thing.</summary>
    public static (string, string?)[] PatroniBase =>
    [
        ("ENABLE_PATRONI", "true"),
        ("PATRONI_HOSTS", "node1,node2,node3"),
        ("PATRONI_USER", "dpg_cluster"),
        ("PATRONI_PASSWORD", Secret),
    ];

    public const string Secret = "s3cr3t-Pa55word!";

    public static (string, string?)[] With(this (string, string?)[] values, params (string Key, string? Value)[] more) =>
        values.Where(v => more.All(m => !string.Equals(m.Key, v.Item1, StringComparison.OrdinalIgnoreCase)))
            .Concat(more).ToArray();
}
