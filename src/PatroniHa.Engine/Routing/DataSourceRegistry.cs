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

    private NpgsqlDataSource Create(string host, int port, string database) =>
        new NpgsqlDataSourceBuilder(ConnectionSettings.For(_options, host, port, database).ConnectionString).Build();

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
