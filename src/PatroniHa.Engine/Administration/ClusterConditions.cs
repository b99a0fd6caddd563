using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

public enum ClusterCondition
{
    /// <summary>A running leader; every member running on the leader's timeline within the lag limit.</summary>
    Healthy,
    /// <summary>No member reports a pending restart.</summary>
    NoPendingRestart,
    /// <summary>Every member's own Patroni reports the cluster paused (GET /patroni).</summary>
    Paused,
    /// <summary>No member's own Patroni reports the cluster paused.</summary>
    Resumed,
}

/// <summary>What a runbook waits for, checked against the cluster as Patroni reports it now.</summary>
public static class ClusterConditions
{
    /// <summary>Patroni's default maximum_lag_on_failover (1 MiB): the lag limit when the cluster sets none.</summary>
    public const long DefaultMaxLagBytes = 1024 * 1024;

    /// <summary>Null when <paramref name="condition"/> holds (and, if given, <paramref name="leader"/> leads); else why not.</summary>
    /// <param name="leaderMustBeListed">A <paramref name="leader"/> the cluster does not list fails at once
    /// (PatroniMemberNotFound) instead of being "not yet".</param>
    public static async Task<string?> CheckAsync(DrillApi api, ClusterCondition? condition, string? leader,
        long maxLagBytes, CancellationToken ct, bool leaderMustBeListed = false)
    {
        ClusterSnapshot cluster = await api.GetClusterAsync(ct).ConfigureAwait(false);
        if (leaderMustBeListed && leader is not null && cluster.Members.All(m => m.Name != leader))
            throw AdminErrors.MemberNotFound(leader, cluster);
        if (leader is not null && LeaderProblem(cluster, leader) is { } lp)
            return lp;
        return condition switch
        {
            ClusterCondition.Healthy => HealthProblem(cluster, maxLagBytes),
            ClusterCondition.NoPendingRestart => cluster.Members.Where(m => m.PendingRestart).Select(m => m.Name).ToList() is { Count: > 0 } p
                ? $"pending restart on {string.Join(", ", p)}"
                : null,
            ClusterCondition.Paused => await PauseProblemAsync(api, cluster, true, ct).ConfigureAwait(false),
            ClusterCondition.Resumed => await PauseProblemAsync(api, cluster, false, ct).ConfigureAwait(false),
            _ => null,
        };
    }

    public static string? LeaderProblem(ClusterSnapshot cluster, string leader) => cluster.Leader switch
    {
        null => "there is no leader",
        { } l when l.Name != leader => $"the leader is {l.Name}",
        { IsRunning: false } l => $"leader {l.Name} is {l.State}",
        _ => null,
    };

    public static string? HealthProblem(ClusterSnapshot cluster, long maxLagBytes)
    {
        if (cluster.Leader is not { } leader)
            return "there is no leader";
        if (!leader.IsRunning)
            return $"leader {leader.Name} is {leader.State}";
        foreach (PatroniMember m in cluster.Replicas)
            if (ReplicaProblem(cluster, m, maxLagBytes) is { } p)
                return p;
        return null;
    }

    /// <summary>A replica counts when it runs on the leader's timeline with a known lag within the limit.</summary>
    public static string? ReplicaProblem(ClusterSnapshot cluster, PatroniMember m, long maxLagBytes)
    {
        if (!m.IsRunning)
            return $"{m.Name} is {(m.State.Length == 0 ? "not reporting" : m.State)}";
        if (cluster.Leader is { Timeline: { } tl } && m.Timeline != tl)
            return $"{m.Name} is on timeline {m.Timeline?.ToString() ?? "unknown"}, the leader on {tl}";
        if (m.LagBytes is not { } lag)
            return $"{m.Name} has an unknown lag";
        return lag > maxLagBytes ? $"{m.Name} lags {lag} bytes (limit {maxLagBytes})" : null;
    }

    /// <summary>Each member's own view (GET /patroni "pause"), as patronictl pause --wait checks it.</summary>
    public static async Task<string?> PauseProblemAsync(DrillApi api, ClusterSnapshot cluster, bool paused,
        CancellationToken ct)
    {
        var pending = new List<string>();
        foreach (PatroniMember m in cluster.Members)
        {
            PatroniNodeStatus s = await api.Client.GetNodeStatusAsync(MemberActions.EndpointOf(m), ct).ConfigureAwait(false);
            if (s.Paused != paused)
                pending.Add(m.Name);
        }
        return pending.Count == 0 ? null
            : $"{string.Join(", ", pending)} {(pending.Count == 1 ? "does" : "do")} not report the cluster {(paused ? "paused" : "resumed")} yet";
    }

    /// <summary>Waits until the condition holds; PatroniWaitTimeout otherwise.</summary>
    public static async Task<ClusterSnapshot> WaitAsync(DrillApi api, ClusterCondition? condition, string? leader,
        long? maxLagBytes, TimeSpan timeout, Action<string> progress, CancellationToken ct)
    {
        long limit = maxLagBytes ?? await MaxLagAsync(api, ct).ConfigureAwait(false);
        string what = string.Join(" and ", new[]
        {
            condition is { } c ? $"the cluster to be {c}" : null,
            leader is null ? null : $"{leader} to lead",
        }.Where(s => s is not null));
        // A name the cluster does not list at the first answer (a typo) would only wait out the whole timeout;
        // later a member may drop out of /cluster for a moment (restarting), which is only "not yet".
        bool answered = false;
        await Poll.UntilAsync(what, timeout, async c =>
        {
            string? notYet = await CheckAsync(api, condition, leader, limit, c, leaderMustBeListed: !answered).ConfigureAwait(false);
            answered = true;
            return notYet;
        }, progress, ct).ConfigureAwait(false);
        return await api.GetClusterAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The cluster's maximum_lag_on_failover, or Patroni's default.</summary>
    public static async Task<long> MaxLagAsync(DrillApi api, CancellationToken ct)
    {
        try
        {
            return (await api.GetConfigAsync(ct).ConfigureAwait(false)).MaximumLagOnFailover ?? DefaultMaxLagBytes;
        }
        catch (Errors.PatroniHaException) when (!ct.IsCancellationRequested)
        {
            return DefaultMaxLagBytes;
        }
    }
}
