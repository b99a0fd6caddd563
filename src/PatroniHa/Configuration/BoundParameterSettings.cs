using System.Collections;
using PatroniHa.Engine.Configuration;
using K = PatroniHa.Engine.Configuration.SettingKeys;

namespace PatroniHa.Configuration;

/// <summary>
/// Turns the parameters a user actually bound into settings under the seed's names, so one validator
/// checks parameters, environment, .env and YAML alike. Unbound parameters never hide a lower source.
/// </summary>
internal static class BoundParameterSettings
{
    // Parameter name → the settings it feeds (patroni-ha and single-node names both, so it wins in either mode).
    private static readonly (string Parameter, string[] Keys)[] Map =
    [
        ("ApiEndpoint", [K.PatroniHosts]),
        ("ApiPort", [K.PatroniPort]),
        ("HostName", [K.PgHost]),
        ("Port", [K.PgPort]),
        ("Database", [K.PatroniDb, K.PgDatabase]),
        ("MinPoolSize", [K.PatroniMinConnections]),
        ("MaxPoolSize", [K.PatroniMaxConnections]),
        ("HealthCheckIntervalSec", [K.PatroniHealthCheckInterval]),
        ("FailoverTimeoutSec", [K.PatroniFailoverTimeout]),
        ("SslMode", [K.PatroniSslMode, K.PgSslMode]),
        ("RootCertificate", [K.PatroniSslRootCert, K.PgSslRootCert]),
        ("ClientCertificate", [K.PatroniSslCert, K.PgSslCert]),
        ("ClientKey", [K.PatroniSslKey, K.PgSslKey]),
    ];

    public static Dictionary<string, SettingValue> From(IDictionary boundParameters)
    {
        var settings = new Dictionary<string, SettingValue>(StringComparer.OrdinalIgnoreCase);
        foreach (var (parameter, keys) in Map)
        {
            if (!boundParameters.Contains(parameter))
                continue;
            string? text = Text(boundParameters[parameter]);
            if (text is null)
                continue;
            foreach (string key in keys)
                settings[key] = new SettingValue(key, text, $"parameter -{parameter}");
        }
        return settings;
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        System.Management.Automation.PSObject ps => Text(ps.BaseObject),
        string s => s,
        IEnumerable list => string.Join(",", list.Cast<object?>().Select(Text)),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
