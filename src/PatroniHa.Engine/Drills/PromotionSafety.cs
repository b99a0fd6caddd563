using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Drills;

/// <summary>
/// Whether Patroni may be asked to hand the leadership over now. Patroni 3.0.2 lets any member that is not tagged
/// nofailover win the race after a switchover, judged by its WAL position alone: an old leader still rejoining
/// (shown as "stopped") or a replica that has not yet followed the current leader's timeline can win, promote
/// from its older timeline and fork the history there. Everything the current leader wrote on its own timeline is
/// then lost (measured: a switchover, 200 acknowledged inserts, a switchover back 4 s later: 0 rows left). So a
/// change waits until every member Patroni may promote runs on the leader's timeline, caught up.
/// </summary>
public static class PromotionSafety
{
    /// <summary>
    /// Null when every member that may take over runs on the leader's timeline within the lag limit; else why not.
    /// With <paramref name="candidate"/> only that member competes; without, every member not tagged nofailover.
    /// Without a leader (a failover), a candidate must be on the newest timeline any member reports.
    /// </summary>
    public static string? Problem(ClusterSnapshot cluster, string? candidate, long maxLagBytes)
    {
        var contenders = cluster.Members
            .Where(m => !m.IsLeader && (candidate is null ? !m.NoFailover : m.Name == candidate))
            .ToList();
        if (cluster.Leader is null)
        {
            long? newest = cluster.Members.Max(m => m.Timeline);
            return contenders.FirstOrDefault(m => m.Timeline != newest) is { } behind
                ? $"{behind.Name} is on timeline {behind.Timeline?.ToString() ?? "unknown"}, another member on {newest}"
                : null;
        }
        return contenders.Select(m => ClusterConditions.ReplicaProblem(cluster, m, maxLagBytes)).FirstOrDefault(p => p is not null);
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until <see cref="Problem"/> finds none and returns the cluster as it
    /// was then; PatroniSwitchoverUnsafe, with what still stands in the way, when it does not come to that.
    /// </summary>
    public static async Task<ClusterSnapshot> WaitAsync(DrillApi api, string? candidate, TimeSpan timeout,
        Action<string> progress, CancellationToken ct)
    {
        long maxLag = await ClusterConditions.MaxLagAsync(api, ct).ConfigureAwait(false);
        ClusterSnapshot? safe = null;
        string? last = null;
        string who = candidate ?? "the members Patroni may promote";
        try
        {
            await Poll.UntilAsync($"{who} to run on the leader's timeline", timeout, async c =>
            {
                ClusterSnapshot cluster = await api.GetClusterAsync(c).ConfigureAwait(false);
                last = Problem(cluster, candidate, maxLag);
                safe = last is null ? cluster : null;
                return last;
            }, progress, ct).ConfigureAwait(false);
        }
        catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.WaitTimeout)
        {
            throw new PatroniHaException(PatroniErrorIds.SwitchoverUnsafe, FailureKind.InvalidOperation,
                $"Not asking Patroni to hand over the leadership: after {timeout.TotalSeconds:0} s {last ?? "no member answered"}. " +
                "Patroni could promote a member that has not joined the leader's timeline, and what the leader wrote " +
                "since would be lost. Wait until the cluster is healthy (Wait-PatroniCluster -Condition Healthy), " +
                "reinitialize a member that stays behind (Invoke-PatroniReinitialize), or name a caught-up -Candidate.",
                candidate, e);
        }
        return safe!;
    }
}
