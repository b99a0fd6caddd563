using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Drills;

/// <summary>One readiness check: its name, whether it passed, and what was seen.</summary>
public sealed record ReadinessCheck(string Check, bool Passed, string Detail);

/// <summary>Whether the cluster could fail over right now, check by check.</summary>
public sealed record ReadinessReport(
    bool Passed,
    string Verdict,
    IReadOnlyList<ReadinessCheck> Checks,
    string? Leader,
    IReadOnlyList<string> Candidates,
    long MaximumLagOnFailover,
    ClusterSnapshot Snapshot);

/// <summary>
/// The conditions under which Patroni would promote a replica if the leader died now: a leader to lose, the
/// cluster not paused, and at least one replica that is running, not tagged nofailover, within
/// maximum_lag_on_failover (and, in synchronous mode, the synchronous standby). Reads only.
/// </summary>
public static class ReadinessChecker
{
    /// <summary>Patroni's default when /config does not set maximum_lag_on_failover.</summary>
    public const long DefaultMaximumLag = 1048576;

    public const string LeaderCheck = "Leader";
    public const string NotPausedCheck = "NotPaused";
    public const string ReplicaCheck = "EligibleReplica";
    public const string CandidateCheck = "Candidate";
    public const string TimelineCheck = "SameTimeline";

    /// <summary>How to turn on Patroni's own guard against promoting a member behind the cluster's timeline.</summary>
    public const string CheckTimelineAdvice = "Set-PatroniConfiguration -Setting @{ check_timeline = $true } makes Patroni refuse that.";

    public static async Task<ReadinessReport> CheckAsync(DrillApi api, string? candidate, CancellationToken ct)
    {
        ClusterSnapshot snapshot = await api.GetClusterAsync(ct).ConfigureAwait(false);
        PatroniDynamicConfig config = await api.GetConfigAsync(ct).ConfigureAwait(false);
        return Evaluate(snapshot, config, candidate);
    }

    /// <summary>The checks on what /cluster and /config said (pure: unit-testable on recorded payloads).</summary>
    public static ReadinessReport Evaluate(ClusterSnapshot snapshot, PatroniDynamicConfig config, string? candidate)
    {
        var checks = new List<ReadinessCheck>();
        long maxLag = config.MaximumLagOnFailover ?? DefaultMaximumLag;
        bool sync = config.SynchronousMode == true || config.QuorumCommit;

        PatroniMember? leader = snapshot.Leader;
        checks.Add(leader is null
            ? new ReadinessCheck(LeaderCheck, false,
                "No leader: there is nothing to fail over from. Invoke-PatroniFailover -Candidate <member> elects one.")
            : leader.State is "running"
                ? new ReadinessCheck(LeaderCheck, true,
                    $"{leader.Name} ({leader.Address}) leads, timeline {leader.Timeline?.ToString() ?? "?"}.")
                : new ReadinessCheck(LeaderCheck, false, $"{leader.Name} ({leader.Address}) leads but is '{leader.State}'."));

        bool paused = snapshot.Paused || config.Paused;
        checks.Add(new ReadinessCheck(NotPausedCheck, !paused, paused
            ? "The cluster is paused (maintenance mode): Patroni will not fail over by itself. Resume it with `patronictl resume`."
            : "Patroni manages the cluster (not paused)."));

        var verdicts = snapshot.Replicas.Select(m => (Member: m, Reason: Ineligible(m, maxLag, sync, leader?.Timeline))).ToList();
        var eligible = verdicts.Where(v => v.Reason is null).Select(v => v.Member.Name).ToList();
        string perMember = verdicts.Count == 0
            ? "the cluster has no replica"
            : string.Join("; ", verdicts.Select(v => $"{v.Member.Name}: {v.Reason ?? Describe(v.Member) + ", eligible"}"));
        checks.Add(new ReadinessCheck(ReplicaCheck, eligible.Count > 0,
            (eligible.Count > 0 ? $"{eligible.Count} replica(s) could take over" : "No replica could take over") +
            $" (maximum_lag_on_failover {maxLag} B{(sync ? ", synchronous mode" : "")}): {perMember}."));

        // Patroni 3.0.2 may promote such a member anyway (by WAL position, timeline aside) and fork the history.
        var behind = leader?.Timeline is { } tl
            ? snapshot.Replicas.Where(m => !m.NoFailover && m.Timeline != tl).Select(m => $"{m.Name} ({m.State}, timeline {m.Timeline?.ToString() ?? "unknown"})").ToList()
            : [];
        string guard = config.CheckTimeline == true
            ? " Patroni's check_timeline is on: it will not promote a member behind the cluster's timeline."
            : " Patroni's check_timeline is off (its default): right after a switchover a failover could promote a member " +
              "still on the old timeline; " + CheckTimelineAdvice;
        checks.Add(new ReadinessCheck(TimelineCheck, behind.Count == 0, (behind.Count == 0
            ? "Every member that may take over follows the leader's timeline."
            : $"Not yet on the leader's timeline {leader!.Timeline}: {string.Join(", ", behind)}. A failover now could promote one " +
              "of them and lose what the leader wrote since; wait (Wait-PatroniCluster -Condition Healthy).") + guard));

        if (!string.IsNullOrEmpty(candidate))
        {
            PatroniMember? named = snapshot.Members.FirstOrDefault(m => string.Equals(m.Name, candidate, StringComparison.Ordinal));
            string? reason = named is null ? $"no member is named '{candidate}' (members: {string.Join(", ", snapshot.Members.Select(m => m.Name))})"
                : named.IsLeader ? $"{candidate} is the leader already"
                : Ineligible(named, maxLag, sync, leader?.Timeline);
            checks.Add(new ReadinessCheck(CandidateCheck, reason is null,
                reason is null ? $"{candidate} could take over ({Describe(named!)})." : $"{candidate} cannot take over: {reason}."));
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        string verdict = failed.Count == 0
            ? $"Ready: if {leader!.Name} failed now, Patroni could promote {string.Join(" or ", eligible)}."
            : $"Not ready: {string.Join(" ", failed.Select(c => c.Detail))}";
        return new ReadinessReport(failed.Count == 0, verdict, checks, leader?.Name, eligible, maxLag, snapshot);
    }

    /// <summary>
    /// Why <paramref name="m"/> cannot safely take over; null when it can. A member off the leader's timeline is
    /// one Patroni 3.0.2 may still promote (it reports its lag against the leader's position, timeline aside), but
    /// that would fork the history and lose what the leader wrote on its own (see PromotionSafety).
    /// </summary>
    public static string? Ineligible(PatroniMember m, long maxLag, bool synchronousMode, long? leaderTimeline)
    {
        if (!m.IsRunning)
            return $"state '{m.State}'";
        if (m.NoFailover)
            return "tagged nofailover";
        if (leaderTimeline is { } tl && m.Timeline != tl)
            return $"on timeline {m.Timeline?.ToString() ?? "unknown"}, the leader on {tl}: promoting it would fork the history";
        if (m.LagBytes is not { } lag)
            return "lag unknown (not replicating?)";
        if (lag > maxLag)
            return $"lag {lag} B exceeds maximum_lag_on_failover {maxLag} B";
        if (synchronousMode && m.Role is not (MemberRole.SyncStandby or MemberRole.QuorumStandby))
            return "not the synchronous standby (synchronous mode promotes only that one)";
        return null;
    }

    private static string Describe(PatroniMember m) => $"{m.State}, lag {m.LagBytes?.ToString() ?? "?"} B";
}
