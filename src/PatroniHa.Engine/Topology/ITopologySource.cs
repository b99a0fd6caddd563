using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Topology;

/// <summary>Where the monitor gets the cluster's shape from (Patroni's REST API in production).</summary>
public interface ITopologySource
{
    Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct);

    /// <summary>
    /// True when the member's own REST endpoint (its api_url) failed to answer last time it was asked. The
    /// monitor polls fast while the leader's is down: its Patroni may be dead while PostgreSQL still runs.
    /// </summary>
    bool IsMemberApiDown(PatroniMember member) => false;
}
