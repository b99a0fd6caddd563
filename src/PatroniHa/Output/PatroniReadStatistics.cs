using System.Collections;
using PatroniHa.Engine.Routing.Reads;

namespace PatroniHa.Output;

/// <summary>How a session routed its read-only queries (Get-PatroniReadStatistics).</summary>
public sealed class PatroniReadStatistics
{
    internal PatroniReadStatistics(ReadReport report, string session)
    {
        Session = session;
        Consistency = report.Policy.Consistency.ToString();
        ReplicaChoice = report.Policy.Choice.ToString();
        MaxLagBytes = report.Policy.MaxLagBytes;
        MaxLagSec = report.Policy.MaxLag?.TotalSeconds;
        MaxWaitMs = (int)report.Policy.MaxWait.TotalMilliseconds;
        LastCommitLsn = report.LastCommit?.ToString();
        Members = report.Members.Select(m => new PatroniReadMemberStatistics(m)).ToArray();
        LeaderFallbacks = Table(report.LeaderFallbacks);
        Waits = report.Waits;
        WaitTimeMs = Math.Round(report.WaitTime.TotalMilliseconds, 1);
        WaitsServedByReplica = report.WaitsServedByReplica;
        Probes = report.Probes;
        CommitPositions = report.CommitPositions;
        CommitPositionRoundTrips = report.CommitPositionRoundTrips;
    }

    public string Session { get; }
    public string Consistency { get; }
    public string ReplicaChoice { get; }
    public long? MaxLagBytes { get; }
    public double? MaxLagSec { get; }
    public int MaxWaitMs { get; }

    /// <summary>An LSN at or after the newest write's commit ('X/Y@timeline').</summary>
    public string? LastCommitLsn { get; }

    /// <summary>Per member: reads served, times passed over and why, measured replay position, lag and round trip.</summary>
    public PatroniReadMemberStatistics[] Members { get; }

    /// <summary>Reads sent to the leader instead of a replica, by reason (NoEligibleReplica, CatchUpTimeout, TimelineChanged).</summary>
    public Hashtable LeaderFallbacks { get; }

    /// <summary>ReadYourWrites reads that waited for a replica to catch up, and their total wait.</summary>
    public long Waits { get; }
    public double WaitTimeMs { get; }
    public long WaitsServedByReplica { get; }

    /// <summary>Replay-position probes sent because the cached position was behind.</summary>
    public long Probes { get; }

    /// <summary>Writes whose commit position the session learned, and how many of them needed a round trip of their own.</summary>
    public long CommitPositions { get; }
    public long CommitPositionRoundTrips { get; }

    internal static Hashtable Table<TKey>(IReadOnlyDictionary<TKey, long> counts) where TKey : notnull
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in counts)
            table[key.ToString()!] = value;
        return table;
    }

    public override string ToString() => $"{Session}: {Members.Sum(m => m.Reads)} reads, {Waits} waits";
}

/// <summary>One member's line of <see cref="PatroniReadStatistics"/>.</summary>
public sealed class PatroniReadMemberStatistics
{
    internal PatroniReadMemberStatistics(MemberReadReport m)
    {
        Member = m.Member;
        Role = m.Role;
        Reads = m.Reads.Values.Sum();
        ReadsByRoute = PatroniReadStatistics.Table(m.Reads);
        StaleSkips = m.Skips.Where(s => s.Key is SkipReason.TooStaleBytes or SkipReason.TooStaleTime or SkipReason.Behind).Sum(s => s.Value);
        Skipped = PatroniReadStatistics.Table(m.Skips);
        ReplayLsn = m.ReplayLsn?.ToString();
        LagBytes = m.LagBytes;
        LagSec = m.Staleness is { } s ? Math.Round(s.TotalSeconds, 3) : null;
        RttMs = m.RoundTrip is { } rtt ? Math.Round(rtt.TotalMilliseconds, 3) : null;
    }

    public string Member { get; }
    public string Role { get; }
    public long Reads { get; }

    /// <summary>Reads by route: Replica, CaughtUpReplica, ReplicaAfterWait, Leader, LeaderFallback.</summary>
    public Hashtable ReadsByRoute { get; }

    /// <summary>Times passed over because it was too far behind (bytes, seconds) or had not replayed the position a read needed.</summary>
    public long StaleSkips { get; }

    /// <summary>Times passed over, by reason (NoLoadBalance, Unavailable, Tags, TooStaleBytes, TooStaleTime, LagUnknown, Behind, NotInRecovery).</summary>
    public Hashtable Skipped { get; }

    public string? ReplayLsn { get; }

    /// <summary>Bytes behind the leader's newest sampled position (only while lag or latency is measured).</summary>
    public long? LagBytes { get; }

    /// <summary>Upper bound of how old the newest commit it may miss is, in seconds (session-measured, right when the leader is idle).</summary>
    public double? LagSec { get; }

    public double? RttMs { get; }

    public override string ToString() => $"{Member} ({Role}): {Reads} reads";
}
