using System.Diagnostics;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>One member's read routing figures: how many reads it served and why, why it was passed over, and
/// what the session last measured on it.</summary>
public sealed record MemberReadReport(
    string Member,
    string Role,
    IReadOnlyDictionary<ReadRoute, long> Reads,
    IReadOnlyDictionary<SkipReason, long> Skips,
    Lsn? ReplayLsn,
    long? LagBytes,
    TimeSpan? Staleness,
    TimeSpan? RoundTrip);

/// <summary>A session's read routing at one moment (for Get-PatroniReadStatistics).</summary>
public sealed record ReadReport(
    ReadPolicy Policy,
    CommitPosition? LastCommit,
    IReadOnlyList<MemberReadReport> Members,
    IReadOnlyDictionary<LeaderFallback, long> LeaderFallbacks,
    long Waits,
    TimeSpan WaitTime,
    long WaitsServedByReplica,
    long Probes,
    long CommitPositions,
    long CommitPositionRoundTrips)
{
    public static ReadReport Create(ReadRouter router, ClusterBackend backend)
    {
        ReadStatistics stats = router.Statistics;
        var reads = stats.Reads;
        var skips = stats.Skips;
        IReadOnlyDictionary<string, MemberReadState> states = router.MemberStates(backend);
        var roles = new Dictionary<string, string>();
        if (backend is PatroniBackend { Monitor.Current: { } snapshot })
        {
            foreach (PatroniMember m in snapshot.Members)
                roles[m.Name] = m.IsLeader ? "Leader" : "Replica";
        }
        else if (backend.Writer is { } server)
        {
            roles[server.Name] = "Leader";
        }
        var names = roles.Keys.Concat(reads.Keys.Select(k => k.Member)).Concat(skips.Keys.Select(k => k.Member))
            .Distinct().Order(StringComparer.Ordinal);
        var members = new List<MemberReadReport>();
        foreach (string name in names)
        {
            MemberReadState? state = states.GetValueOrDefault(name);
            (long? bytes, TimeSpan? staleness) = state is null ? (null, null) : router.Lag(backend, state.ReplayLsn);
            members.Add(new MemberReadReport(
                name,
                roles.GetValueOrDefault(name, "Former member"),
                reads.Where(r => r.Key.Member == name).ToDictionary(r => r.Key.Route, r => r.Value),
                skips.Where(s => s.Key.Member == name).ToDictionary(s => s.Key.Reason, s => s.Value),
                state?.ReplayLsn,
                bytes,
                staleness,
                state?.RoundTrip));
        }
        return new ReadReport(router.DefaultPolicy, router.LastCommit, members, stats.LeaderFallbacks, stats.Waits,
            stats.WaitTime, stats.WaitsServedByReplica, stats.Probes, stats.CommitPositions, stats.CommitPositionRoundTrips);
    }
}
