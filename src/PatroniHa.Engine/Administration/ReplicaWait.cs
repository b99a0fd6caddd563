using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

/// <summary>Waits for a replica that was restarted or reinitialized to be back: running, streaming, caught up.</summary>
internal static class ReplicaWait
{
    /// <summary>
    /// After a reinitialize: the member must first leave its old PostgreSQL (a new postmaster start time, or a
    /// state other than running), then run as a streaming replica. A failed state fails the wait at once.
    /// </summary>
    public static async Task UntilStreamingAfterAsync(DrillApi api, PatroniMember member, DateTimeOffset? startedBefore,
        TimeSpan timeout, Action<string> progress, CancellationToken ct)
    {
        Uri endpoint = MemberActions.EndpointOf(member);
        bool left = false;
        await Poll.UntilAsync($"{member.Name} to be reinitialized and streaming", timeout, async c =>
        {
            PatroniNodeStatus s = await api.Client.GetNodeStatusAsync(endpoint, c).ConfigureAwait(false);
            if (IsFailed(s.State))
                throw AdminErrors.Error(PatroniErrorIds.ReinitializeFailed, FailureKind.InvalidResult,
                    $"{member.Name} reports state '{s.State}' after the reinitialize. Read its Patroni log; try again " +
                    "with Invoke-PatroniReinitialize once the cause is fixed.", member.Name);
            left |= s.State != "running" || (s.PostmasterStartTime is { } t && t != startedBefore);
            if (!left)
                return $"{member.Name} has not started the reinitialize yet (state {s.State})";
            return StreamingProblem(s);
        }, progress, ct, member.Name).ConfigureAwait(false);
    }

    /// <summary>
    /// The member runs as a replica on the leader's timeline, streams, lags at most <paramref name="maxLagBytes"/>
    /// and, when <paramref name="pendingCleared"/>, no longer reports a pending restart.
    /// </summary>
    public static Task UntilCaughtUpAsync(DrillApi api, string member, long maxLagBytes, bool pendingCleared,
        TimeSpan timeout, Action<string> progress, CancellationToken ct) =>
        Poll.UntilAsync($"{member} to stream and catch up", timeout, async c =>
        {
            ClusterSnapshot cluster = await api.GetClusterAsync(c).ConfigureAwait(false);
            PatroniMember? m = cluster.Members.FirstOrDefault(x => x.Name == member);
            if (m is null)
                return $"{member} is not listed";
            if (m.IsLeader)
                return null;
            if (ClusterConditions.ReplicaProblem(cluster, m, maxLagBytes) is { } problem)
                return problem;
            if (pendingCleared && m.PendingRestart)
                return $"{member} still reports a pending restart";
            PatroniNodeStatus s = await api.Client.GetNodeStatusAsync(MemberActions.EndpointOf(m), c).ConfigureAwait(false);
            return StreamingProblem(s);
        }, progress, ct, member);

    /// <summary>Streaming: 3.0.4+ says so (replication_state); 3.0.2 has a WAL receiver position once it streams.</summary>
    private static string? StreamingProblem(PatroniNodeStatus s)
    {
        if (s.State != "running")
            return $"{s.Name ?? "the member"} is {s.State}";
        if (s.Role != MemberRole.Replica && s.Role != MemberRole.SyncStandby && s.Role != MemberRole.QuorumStandby)
            return $"{s.Name ?? "the member"} has role {s.RawRole}";
        if (s.ReplicationState is { } rs)
            return rs == "streaming" ? null : $"{s.Name ?? "the member"} replication state is {rs}";
        return s.ReceivedLocation is null ? $"{s.Name ?? "the member"} has not received WAL from the leader yet" : null;
    }

    internal static bool IsFailed(string state) =>
        state.Contains("fail", StringComparison.OrdinalIgnoreCase) || state.Contains("crash", StringComparison.OrdinalIgnoreCase);
}
