namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Setting names. Every source (parameters, environment, .env, YAML) speaks these, so one validator
/// serves all of them. They are the seed's environment variables plus libpq's standard ones.
/// </summary>
public static class SettingKeys
{
    public const string EnablePatroni = "ENABLE_PATRONI";
    public const string PatroniHosts = "PATRONI_HOSTS";
    public const string PatroniPort = "PATRONI_PORT";
    public const string PatroniDb = "PATRONI_DB";
    public const string PatroniUser = "PATRONI_USER";
    public const string PatroniPassword = "PATRONI_PASSWORD";
    public const string PatroniMinConnections = "PATRONI_MIN_CONNECTIONS";
    public const string PatroniMaxConnections = "PATRONI_MAX_CONNECTIONS";
    public const string PatroniHealthCheckInterval = "PATRONI_HEALTH_CHECK_INTERVAL";
    public const string PatroniFailoverTimeout = "PATRONI_FAILOVER_TIMEOUT";
    public const string PatroniSslMode = "PATRONI_SSLMODE";
    public const string PatroniSslRootCert = "PATRONI_SSLROOTCERT";
    public const string PatroniSslCert = "PATRONI_SSLCERT";
    public const string PatroniSslKey = "PATRONI_SSLKEY";

    /// <summary>Patroni's own names for the REST API's basic-auth user (used by switchover and friends).</summary>
    public const string PatroniRestApiUsername = "PATRONI_RESTAPI_USERNAME";
    public const string PatroniRestApiPassword = "PATRONI_RESTAPI_PASSWORD";

    public const string PgHost = "PGHOST";
    public const string PgPort = "PGPORT";
    public const string PgDatabase = "PGDATABASE";
    public const string PgUser = "PGUSER";
    public const string PgPassword = "PGPASSWORD";
    public const string PgSslMode = "PGSSLMODE";
    public const string PgSslRootCert = "PGSSLROOTCERT";
    public const string PgSslCert = "PGSSLCERT";
    public const string PgSslKey = "PGSSLKEY";
    public const string PgConnectTimeout = "PGCONNECT_TIMEOUT";
    public const string PgAppName = "PGAPPNAME";

    /// <summary>Every name the resolver reads; the environment layer picks up only these.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        EnablePatroni, PatroniHosts, PatroniPort, PatroniDb, PatroniUser, PatroniPassword,
        PatroniMinConnections, PatroniMaxConnections, PatroniHealthCheckInterval, PatroniFailoverTimeout,
        PatroniSslMode, PatroniSslRootCert, PatroniSslCert, PatroniSslKey,
        PatroniRestApiUsername, PatroniRestApiPassword,
        PgHost, PgPort, PgDatabase, PgUser, PgPassword, PgSslMode, PgSslRootCert, PgSslCert, PgSslKey,
        PgConnectTimeout, PgAppName,
    ];

    /// <summary>True for names whose values must never appear in a message, a target or a ToString.</summary>
    public static bool IsSecret(string key) =>
        key.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase)
        || key.Contains("SECRET", StringComparison.OrdinalIgnoreCase)
        || key.Contains("TOKEN", StringComparison.OrdinalIgnoreCase);
}
