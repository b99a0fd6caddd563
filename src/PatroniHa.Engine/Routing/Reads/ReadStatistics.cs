using System.Collections.Concurrent;
using System.Diagnostics;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>How a read was routed.</summary>
public enum ReadRoute
{
    /// <summary>A replica chosen by the policy (no position to wait for).</summary>
    Replica,

    /// <summary>A replica known to have replayed the read-your-writes position.</summary>
    CaughtUpReplica,

    /// <summary>A replica that caught up while the read waited.</summary>
    ReplicaAfterWait,

    /// <summary>The leader, because the policy asked for it (Strong) or the server is the only one (single node).</summary>
    Leader,

    /// <summary>The leader, as a fallback (see <see cref="LeaderFallback"/>).</summary>
    LeaderFallback,
}

/// <summary>Why a read that could have gone to a replica went to the leader.</summary>
public enum LeaderFallback
{
    /// <summary>No replica passed the policy (tags, lag limits, noloadbalance, down).</summary>
    NoEligibleReplica,

    /// <summary>No replica replayed the read-your-writes position within the wait.</summary>
    CatchUpTimeout,

    /// <summary>The position was written on an older timeline past its switch point (a failover since).</summary>
    TimelineChanged,

    /// <summary>One of the session's writes ran before read-your-writes was in use, so its commit position is unknown.</summary>
    CommitPositionUnknown,
}

/// <summary>Read routing counters of one session (thread-safe); survives mode switches.</summary>
public sealed class ReadStatistics
{
    private readonly ConcurrentDictionary<(string Member, ReadRoute Route), long> _reads = new();
    private readonly ConcurrentDictionary<(string Member, SkipReason Reason), long> _skips = new();
    private readonly ConcurrentDictionary<LeaderFallback, long> _fallbacks = new();
    private long _waits, _waitTicks, _waitsServedByReplica, _probes, _commitPositions, _extraRoundTrips;

    public IReadOnlyDictionary<(string Member, ReadRoute Route), long> Reads => Snapshot(_reads);
    public IReadOnlyDictionary<(string Member, SkipReason Reason), long> Skips => Snapshot(_skips);
    public IReadOnlyDictionary<LeaderFallback, long> LeaderFallbacks => Snapshot(_fallbacks);

    /// <summary>Read-your-writes reads that waited for a replica to catch up.</summary>
    public long Waits => Interlocked.Read(ref _waits);
    public TimeSpan WaitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitTicks));
    public long WaitsServedByReplica => Interlocked.Read(ref _waitsServedByReplica);

    /// <summary>Replay-position probes sent because the cached position was behind.</summary>
    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>Writes whose commit position the session learned.</summary>
    public long CommitPositions => Interlocked.Read(ref _commitPositions);

    /// <summary>Of those, how many needed a round trip of their own (statements that cannot be batched).</summary>
    public long CommitPositionRoundTrips => Interlocked.Read(ref _extraRoundTrips);

    internal void CountRead(string member, ReadRoute route) => _reads.AddOrUpdate((member, route), 1, static (_, n) => n + 1);

    internal void CountSkips(ReplicaSelection selection)
    {
        foreach (var (member, reason) in selection.Skipped)
            _skips.AddOrUpdate((member, reason), 1, static (_, n) => n + 1);
    }

    internal void CountSkip(string member, SkipReason reason) => _skips.AddOrUpdate((member, reason), 1, static (_, n) => n + 1);

    internal void CountFallback(LeaderFallback reason) => _fallbacks.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    internal void CountWait(long elapsedTicks, bool servedByReplica)
    {
        Interlocked.Increment(ref _waits);
        Interlocked.Add(ref _waitTicks, elapsedTicks);
        if (servedByReplica)
            Interlocked.Increment(ref _waitsServedByReplica);
    }

    internal void CountProbe() => Interlocked.Increment(ref _probes);

    internal void CountCommitPosition(bool extraRoundTrip)
    {
        Interlocked.Increment(ref _commitPositions);
        if (extraRoundTrip)
            Interlocked.Increment(ref _extraRoundTrips);
    }

    private static Dictionary<TKey, long> Snapshot<TKey>(ConcurrentDictionary<TKey, long> source) where TKey : notnull =>
        new(source);
}
