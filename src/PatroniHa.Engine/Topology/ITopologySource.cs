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

    /// <summary>Asks the member's own Patroni whether it holds the leader lock (the write lease's renewal).</summary>
    Task<LeaderConfirmation> ConfirmLeaderAsync(PatroniMember member, TimeSpan timeout, CancellationToken ct) =>
        throw new NotSupportedException("This topology source cannot confirm a leader: writes never get a lease.");

    /// <summary>The member's own view of itself (GET /patroni): a replica reporting role master is a second primary.</summary>
    Task<PatroniNodeStatus> GetMemberStatusAsync(PatroniMember member, TimeSpan timeout, CancellationToken ct) =>
        throw new NotSupportedException("This topology source cannot ask a member.");

    /// <summary>The cluster's dynamic configuration (ttl, loop_wait, retry_timeout) from any endpoint.</summary>
    Task<PatroniDynamicConfig> GetConfigAsync(CancellationToken ct) =>
        throw new NotSupportedException("This topology source has no dynamic configuration.");
}
