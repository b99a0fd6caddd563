using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Routing;
using Xunit;

namespace PatroniHa.Engine.Tests.Routing;

/// <summary>The pools of a backend (no server needed: a data source connects only when opened).</summary>
public sealed class DataSourceRegistryTests
{
    private static readonly RouteTarget Server = new("n1", "127.0.0.1", 5432, IsLeader: true);

    [Fact]
    public async Task OnePoolPerServerAndDatabase_NoneAfterDispose()
    {
        var pools = new DataSourceRegistry(new ClusterOptions());
        Assert.Same(pools.Get(Server, "postgres"), pools.Get(Server, "postgres"));
        Assert.NotSame(pools.Get(Server, "postgres"), pools.Get(Server, "other"));

        await pools.DisposeAsync();
        // A warm-up or a query that outlives the backend must not open a pool nothing would close.
        Assert.Throws<ObjectDisposedException>(() => pools.Get(Server, "postgres"));
        await pools.DisposeAsync(); // twice is harmless
    }
}
