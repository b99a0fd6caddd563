using Npgsql;
using PatroniHa.Engine.Configuration;

namespace PatroniHa.Engine.Routing;

/// <summary>The Npgsql connection settings for one server: login, TLS and timeouts from the session's options.</summary>
internal static class ConnectionSettings
{
    public static NpgsqlConnectionStringBuilder For(ClusterOptions options, string host, int port, string database)
    {
        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = options.Credential?.UserName,
            Password = options.Credential?.Password,
            MinPoolSize = options.MinPoolSize,
            MaxPoolSize = options.MaxPoolSize,
            Timeout = Math.Max(1, (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds)),
            ApplicationName = options.ApplicationName,
            SslMode = Enum.Parse<SslMode>(options.Tls.SslMode, ignoreCase: true),
            // Failover detection must not wait for a long TCP timeout on a half-dead server.
            KeepAlive = 5,
            // On cancellation (the caller's, a statement timeout, or a write aborted because its server lost
            // the leadership) send PostgreSQL's cancel request but break the connection at once instead of
            // waiting for the answer: a COMMIT whose wait for a synchronous standby is cancelled "succeeds"
            // with only a WARNING, and reporting that as success would acknowledge a write the new leader may
            // not have. Broken off, it is reported as cancelled / outcome unknown instead.
            CancellationTimeout = -1,
        };
        if (options.Tls.RootCertificate is { } root)
            csb.RootCertificate = root;
        if (options.Tls.ClientCertificate is { } cert)
            csb.SslCertificate = cert;
        if (options.Tls.ClientKey is { } key)
            csb.SslKey = key;
        return csb;
    }
}
