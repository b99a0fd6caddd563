using System.Collections.Concurrent;
using Npgsql;
using PatroniHa.Engine.Configuration;

namespace PatroniHa.Engine.Routing;

/// <summary>
/// One Npgsql data source (= one connection pool) per (server, database), created on first use and
/// sized by the session's MinPoolSize/MaxPoolSize. After <see cref="DisposeAsync"/> it creates no more: a
/// warm-up task or a query still running when the backend is disposed gets ObjectDisposedException instead of
/// a new pool that nothing would ever close.
/// </summary>
internal sealed class DataSourceRegistry : IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ConcurrentDictionary<(string Host, int Port, string Database), NpgsqlDataSource> _sources = new();
    private volatile bool _disposed;

    public DataSourceRegistry(ClusterOptions options) => _options = options;

    public NpgsqlDataSource Get(RouteTarget target, string database)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = (target.Host, target.Port, database);
        NpgsqlDataSource source = _sources.GetOrAdd(key, k => Create(k.Host, k.Port, k.Database));
        if (_disposed)
        {
            // Added while DisposeAsync ran: whichever side removes it disposes it.
            if (_sources.TryRemove(key, out NpgsqlDataSource? late))
                late.Dispose();
            throw new ObjectDisposedException(nameof(DataSourceRegistry));
        }
        return source;
    }

    /// <summary>Drops the idle connections to a server (it lost the leadership or went away).</summary>
    public void Clear(string host, int port)
    {
        foreach (var (key, source) in _sources)
        {
            if (key.Host == host && key.Port == port)
                source.Clear();
        }
    }

    private NpgsqlDataSource Create(string host, int port, string database)
    {
        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = _options.Credential?.UserName,
            Password = _options.Credential?.Password,
            MinPoolSize = _options.MinPoolSize,
            MaxPoolSize = _options.MaxPoolSize,
            Timeout = Math.Max(1, (int)Math.Ceiling(_options.ConnectTimeout.TotalSeconds)),
            ApplicationName = _options.ApplicationName,
            SslMode = Enum.Parse<SslMode>(_options.Tls.SslMode, ignoreCase: true),
            // Failover detection must not wait for a long TCP timeout on a half-dead server.
            KeepAlive = 5,
            // On cancellation (the caller's, a statement timeout, or a write aborted because its server lost
            // the leadership) send PostgreSQL's cancel request but break the connection at once instead of
            // waiting for the answer: a COMMIT whose wait for a synchronous standby is cancelled "succeeds"
            // with only a WARNING, and reporting that as success would acknowledge a write the new leader may
            // not have. Broken off, it is reported as cancelled / outcome unknown instead.
            CancellationTimeout = -1,
        };
        if (_options.Tls.RootCertificate is { } root)
            csb.RootCertificate = root;
        if (_options.Tls.ClientCertificate is { } cert)
            csb.SslCertificate = cert;
        if (_options.Tls.ClientKey is { } key)
            csb.SslKey = key;
        return new NpgsqlDataSourceBuilder(csb.ConnectionString).Build();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var key in _sources.Keys)
        {
            if (_sources.TryRemove(key, out NpgsqlDataSource? source))
                await source.DisposeAsync().ConfigureAwait(false);
        }
    }
}
