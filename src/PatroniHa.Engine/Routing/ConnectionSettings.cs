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
            // the leadership) send PostgreSQL's cancel request and break the connection without waiting for
            // its answer, so a frozen server cannot hold the caller. This does not decide the outcome: the
            // cancel can reach the server first, and a COMMIT whose wait for a synchronous standby is cancelled
            // still "succeeds" with only a WARNING. QueryExecutor therefore never acknowledges a write whose
            // leader ticket was aborted, whatever the server answered.
            CancellationTimeout = -1,
            // An int[] column holding a NULL reads as int?[] instead of failing the whole result.
            ArrayNullabilityMode = ArrayNullabilityMode.PerInstance,
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
