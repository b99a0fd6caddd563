using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Topology;

/// <summary>Where the monitor gets the cluster's shape from (Patroni's REST API in production).</summary>
public interface ITopologySource
{
    Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct);
}
