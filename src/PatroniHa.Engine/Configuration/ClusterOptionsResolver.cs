using System.Net;
using K = PatroniHa.Engine.Configuration.SettingKeys;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// The one validator: merges layers by precedence (parameters > environment > .env > YAML > defaults)
/// and turns the result into <see cref="ClusterOptions"/>. Every problem is collected and reported in one
/// <see cref="Errors.PatroniHaException"/> (InvalidConfiguration), before anything connects.
/// </summary>
public static class ClusterOptionsResolver
{
    private const string DefaultSingleNodeHost = "localhost";

    /// <param name="layers">Any order; precedence comes from each layer's <see cref="SettingsLayer.Kind"/>.</param>
    /// <param name="modeOverride">-Mode given on the command line; beats ENABLE_PATRONI.</param>
    /// <param name="credentialOverride">-Credential; beats the user/password settings.</param>
    /// <param name="workingDirectory">Base for relative certificate paths (the caller's current location).</param>
    public static ClusterOptions Resolve(IEnumerable<SettingsLayer> layers, ClusterMode? modeOverride = null,
        NetworkCredential? credentialOverride = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var settings = new MergedSettings(layers);
        var parser = new SettingParser(workingDirectory ?? Environment.CurrentDirectory);
        var defaults = new ClusterOptions();

        var mode = modeOverride ?? ResolveMode(settings, parser);
        var options = defaults with
        {
            Mode = mode,
            HealthCheckInterval = parser.Seconds(settings.Get(K.PatroniHealthCheckInterval), defaults.HealthCheckInterval),
            FailoverTimeout = parser.Seconds(settings.Get(K.PatroniFailoverTimeout), defaults.FailoverTimeout),
            // Npgsql refuses connect timeouts above 1024 s.
            ConnectTimeout = parser.Seconds(settings.Get(K.PgConnectTimeout), defaults.ConnectTimeout, 1024),
            ApplicationName = settings.Get(K.PgAppName)?.Value.Trim() ?? defaults.ApplicationName,
        };
        var (minPool, maxPool) = PoolBounds(settings, parser, defaults);
        options = options with { MinPoolSize = minPool, MaxPoolSize = maxPool };

        options = mode == ClusterMode.PatroniHa
            ? PatroniMode(settings, parser, options, credentialOverride)
            : SingleNodeMode(settings, parser, options, credentialOverride);

        parser.ThrowIfAny();
        return options;
    }

    private static ClusterMode ResolveMode(MergedSettings settings, SettingParser parser)
    {
        var enable = settings.Get(K.EnablePatroni);
        if (enable is not null)
        {
            var parsed = parser.Mode(enable);
            if (parsed is not null)
                return parsed.Value;
        }
        // Not said (or unreadable): guess from what is configured, so the remaining checks still make sense.
        return settings.Get(K.PatroniHosts) is null && settings.Get(K.PgHost) is not null
            ? ClusterMode.SingleNode
            : ClusterMode.PatroniHa;
    }

    private static (int Min, int Max) PoolBounds(MergedSettings settings, SettingParser parser, ClusterOptions defaults)
    {
        var min = settings.Get(K.PatroniMinConnections);
        var max = settings.Get(K.PatroniMaxConnections);
        var problemsBefore = parser.Problems.Count;
        var minPool = parser.Integer(min, 0, int.MaxValue, defaults.MinPoolSize, "a whole number",
            $"Use 0 or more, and no more than {K.PatroniMaxConnections}.");
        var maxPool = parser.Integer(max, 1, int.MaxValue, defaults.MaxPoolSize, "a whole number",
            $"Use 1 or more, and no less than {K.PatroniMinConnections}.");
        if (parser.Problems.Count > problemsBefore || minPool <= maxPool)
            return (minPool, maxPool);
        // Only a maximum below the default minimum: the user asked for a small pool, not for an error.
        if (min is null)
            return (maxPool, maxPool);
        parser.Problem(min, $"{minPool} is greater than {K.PatroniMaxConnections} ({maxPool}, from "
            + $"{max?.Origin ?? "the default"}). The minimum pool size must not exceed the maximum.");
        return (minPool, maxPool);
    }

    private static ClusterOptions PatroniMode(MergedSettings settings, SettingParser parser, ClusterOptions options,
        NetworkCredential? credentialOverride)
    {
        var api = options.Api with
        {
            Endpoints = Hosts(settings.Get(K.PatroniHosts), parser),
            DefaultPort = parser.Port(settings.Get(K.PatroniPort), options.Api.DefaultPort),
            Credential = ApiCredential(settings, parser),
        };
        return options with
        {
            Api = api,
            Database = settings.Get(K.PatroniDb)?.Value.Trim() ?? options.Database,
            Credential = Credential(settings, parser, credentialOverride, [K.PatroniUser], [K.PatroniPassword],
                "memory.postgresql.patroni"),
            Tls = Tls(parser, options.Tls, settings.Get(K.PatroniSslMode), settings.Get(K.PatroniSslRootCert),
                settings.Get(K.PatroniSslCert), settings.Get(K.PatroniSslKey)),
        };
    }

    private static ClusterOptions SingleNodeMode(MergedSettings settings, SettingParser parser, ClusterOptions options,
        NetworkCredential? credentialOverride)
    {
        // The seed's single-node pools use the same database and credentials as the Patroni ones.
        return options with
        {
            HostName = settings.Get(K.PgHost)?.Value.Trim() ?? DefaultSingleNodeHost,
            Port = parser.Port(settings.Get(K.PgPort), options.Port),
            Database = settings.First(K.PgDatabase, K.PatroniDb)?.Value.Trim() ?? options.Database,
            Credential = Credential(settings, parser, credentialOverride, [K.PgUser, K.PatroniUser],
                [K.PgPassword, K.PatroniPassword], "memory.postgresql"),
            Tls = Tls(parser, options.Tls, settings.First(K.PgSslMode, K.PatroniSslMode),
                settings.First(K.PgSslRootCert, K.PatroniSslRootCert), settings.First(K.PgSslCert, K.PatroniSslCert),
                settings.First(K.PgSslKey, K.PatroniSslKey)),
        };
    }

    /// <summary>Comma-separated, trimmed, each kept as written: the REST client parses scheme and port.</summary>
    private static IReadOnlyList<string> Hosts(SettingValue? value, SettingParser parser)
    {
        if (value is null)
        {
            parser.Problem(K.PatroniHosts, $"{K.PatroniHosts} is not set: Patroni mode needs the REST API endpoints. "
                + $"Give -ApiEndpoint, set {K.PatroniHosts} (e.g. node1,node2,node3) in the environment or .env file, "
                + "or memory.postgresql.patroni.apiHosts in YAML; or choose single-node mode.");
            return [];
        }
        var hosts = value.Value.Split(',').Select(host => host.Trim()).ToArray();
        for (var i = 0; i < hosts.Length; i++)
        {
            if (hosts[i].Length == 0)
                parser.Problem(value, $"entry {i + 1} of {hosts.Length} is blank. Separate host names with single commas, e.g. node1,node2,node3.");
            else if (hosts[i].Any(char.IsWhiteSpace))
                parser.Problem(value, $"entry {i + 1} ('{hosts[i]}') contains whitespace. Separate host names with commas, e.g. node1,node2,node3.");
        }
        return hosts;
    }

    private static NetworkCredential? Credential(MergedSettings settings, SettingParser parser,
        NetworkCredential? credentialOverride, string[] userKeys, string[] passwordKeys, string yamlSection)
    {
        if (credentialOverride is not null)
        {
            // An explicit credential is taken as given; an empty password is a deliberate choice there.
            if (string.IsNullOrWhiteSpace(credentialOverride.UserName))
                parser.Problem("Credential", "The -Credential has no user name. Give a credential with a user name.");
            return credentialOverride;
        }

        var user = settings.First(userKeys);
        var password = settings.First(passwordKeys);
        if (user is null)
        {
            parser.Problem(userKeys[0], $"No database user is set. Give -Credential, set {string.Join(" or ", userKeys)} "
                + $"in the environment or .env file, or {yamlSection}.user in YAML.");
        }
        if (password is null)
        {
            parser.Problem(passwordKeys[0], $"No database password is set. Give -Credential, set {string.Join(" or ", passwordKeys)} "
                + $"in the environment or .env file, or {yamlSection}.password in YAML (e.g. password: ${{{passwordKeys[0]}}}).");
        }
        return user is null ? null : new NetworkCredential(user.Value.Trim(), password?.Value ?? "");
    }

    /// <summary>Patroni's REST API basic auth: both halves or neither.</summary>
    private static NetworkCredential? ApiCredential(MergedSettings settings, SettingParser parser)
    {
        var user = settings.Get(K.PatroniRestApiUsername);
        var password = settings.Get(K.PatroniRestApiPassword);
        if (user is null && password is null)
            return null;
        if (user is null)
            parser.Problem(password!, $"it is set but {K.PatroniRestApiUsername} is not. Set both, or neither.");
        else if (password is null)
            parser.Problem(user, $"it is set but {K.PatroniRestApiPassword} is not. Set both, or neither.");
        return user is null || password is null ? null : new NetworkCredential(user.Value.Trim(), password.Value);
    }

    private static PostgresTlsOptions Tls(SettingParser parser, PostgresTlsOptions defaults, SettingValue? mode,
        SettingValue? rootCert, SettingValue? cert, SettingValue? key) =>
        defaults with
        {
            SslMode = parser.SslMode(mode, defaults.SslMode),
            RootCertificate = parser.ExistingFile(rootCert, "root certificate file"),
            ClientCertificate = parser.ExistingFile(cert, "client certificate file"),
            ClientKey = parser.ExistingFile(key, "client key file"),
        };
}
