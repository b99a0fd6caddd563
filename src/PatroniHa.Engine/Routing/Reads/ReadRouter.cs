using System.Diagnostics;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// Chooses the server for one read-only statement under a <see cref="ReadPolicy"/>, and remembers the
/// session's newest commit position for read-your-writes. One per session; replica state is kept per
/// backend and dropped when a mode switch replaces the backend.
/// </summary>
public sealed class ReadRouter : IDisposable
{
    /// <summary>First pause between probes while a read-your-writes read waits; doubles up to <see cref="MaxPoll"/>.</summary>
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(20);

    private readonly object _gate = new();
    private ReplicaStateCache? _cache;
    private CommitPosition? _lastCommit;
    private (long Timeline, TimelineHistory History)? _history;
    private volatile SnapshotTargets? _targets;
    private int _turn;

    public ReadPolicy DefaultPolicy { get; set; } = ReadPolicy.Default;

    public ReadStatistics Statistics { get; } = new();

    /// <summary>The newest commit position of this session's writes (null before the first write).</summary>
    public CommitPosition? LastCommit
    {
        get
        {
            lock (_gate)
                return _lastCommit;
        }
    }

    /// <summary>What the session measured on each member of the current backend (empty in single-node mode).</summary>
    public IReadOnlyDictionary<string, MemberReadState> MemberStates(ClusterBackend backend) =>
        backend is PatroniBackend p ? CacheFor(p).All : new Dictionary<string, MemberReadState>();

    /// <summary>Bytes behind and staleness bound of a replica at <paramref name="replay"/>, by this session's own samples.</summary>
    public (long? Bytes, TimeSpan? Staleness) Lag(ClusterBackend backend, Lsn replay) =>
        backend is PatroniBackend p
            ? (CacheFor(p).LeaderSamples.BytesBehind(replay), CacheFor(p).LeaderSamples.StalenessAt(replay, Stopwatch.GetTimestamp()))
            : (null, null);

    /// <summary>Whether every write learns its commit position even before any read asks for one (the benchmark's switch).</summary>
    public bool CaptureCommitPositions { get; set; }

    /// <summary>Set by the first read-your-writes read: from then on every write learns its commit position.</summary>
    private volatile bool _readYourWritesUsed;

    /// <summary>A write ran without learning its position since the last one that did: read-your-writes cannot trust a replica.</summary>
    private volatile bool _positionUnknown;

    /// <summary>
    /// Writes learn their commit position on a Patroni cluster (single node: every read sees them anyway) only
    /// when read-your-writes is in use: the session's policy, an earlier per-query request, or the benchmark's
    /// switch. Otherwise the write path stays one plain statement (the trailer costs server time on every write).
    /// </summary>
    public bool CapturesCommits(ClusterBackend backend) =>
        backend is PatroniBackend &&
        (CaptureCommitPositions || _readYourWritesUsed || DefaultPolicy.Consistency == ReadConsistency.ReadYourWrites);

    /// <summary>A write is about to run without learning its commit position.</summary>
    public void RecordUncapturedWrite() => _positionUnknown = true;

    /// <summary>A write on <paramref name="writer"/> committed at or before <paramref name="lsn"/>.</summary>
    public CommitPosition RecordCommit(ClusterBackend backend, RouteTarget writer, Lsn lsn, bool extraRoundTrip)
    {
        long? timeline = backend is PatroniBackend p && p.Monitor.Current?.Leader is { } leader && leader.Name == writer.Name
            ? leader.Timeline
            : null;
        var position = new CommitPosition(lsn, timeline);
        lock (_gate)
        {
            _lastCommit = _lastCommit is { } last ? CommitPosition.Later(last, position) : position;
            _positionUnknown = false;
        }
        Statistics.CountCommitPosition(extraRoundTrip);
        return position;
    }

    /// <summary>
    /// A read that must be fenced like a write (admitted under the leader's lease, broken off by a leader change,
    /// answered only while the lease still holds): <see cref="ReadConsistency.Strong"/> on a Patroni cluster.
    /// </summary>
    public bool NeedsConfirmedLeader(ClusterBackend backend, QueryRequest request) =>
        backend is PatroniBackend && (request.ReadPolicy ?? DefaultPolicy).Consistency == ReadConsistency.Strong;

    /// <summary>The server for <paramref name="request"/>'s next attempt.</summary>
    public async ValueTask<RouteTarget> ChooseAsync(ClusterBackend backend, QueryRequest request, CancellationToken ct)
    {
        if (backend is not PatroniBackend patroni)
            return Count(FirstReader(backend), ReadRoute.Leader);

        ReadPolicy policy = request.ReadPolicy ?? DefaultPolicy;
        // Strong answers for the current leader: only one the write fence confirms (lease held), never a deposed one.
        if (policy.Consistency == ReadConsistency.Strong)
            return Count(await patroni.Fence.LeaderAsync(ct).ConfigureAwait(false), ReadRoute.Leader);
        ClusterSnapshot? snapshot = patroni.Monitor.Current;
        if (snapshot is null)
            return Count(Leader(backend), ReadRoute.Leader);

        ReplicaStateCache cache = CacheFor(patroni);
        if (policy.NeedsReplicaState)
            cache.EnsureSampler();

        Lsn? required = null;
        if (policy.Consistency == ReadConsistency.ReadYourWrites)
        {
            _readYourWritesUsed = true;
            // One of this session's writes ran before read-your-writes was asked for: its position is unknown.
            if (_positionUnknown)
                return Fallback(backend, LeaderFallback.CommitPositionUnknown);
        }
        if (policy.Consistency == ReadConsistency.ReadYourWrites && RequiredPosition(request) is { } position)
        {
            if (!TrustedOnCurrentTimeline(position, snapshot) &&
                !await OnCurrentHistoryAsync(patroni, snapshot, position, ct).ConfigureAwait(false))
                return Fallback(backend, LeaderFallback.TimelineChanged);
            required = position.Lsn.NormalizeForReplay();
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (required is null && policy.IsPlainRoundRobin)
            return PlainRoundRobin(patroni, snapshot, now);
        var replicas = snapshot.Replicas.ToList();
        ReplicaSelection selection = Select(replicas, patroni, cache, policy, required, now);
        Statistics.CountSkips(selection);
        if (selection.Ready.Count > 0)
            return Served(snapshot, selection, required is null ? ReadRoute.Replica : ReadRoute.CaughtUpReplica);
        if (selection.Behind.Count == 0 || required is null)
            return Fallback(backend, LeaderFallback.NoEligibleReplica);

        // Read-your-writes and every candidate's cached position is behind: ask them, then wait a bounded time.
        await ProbeAsync(replicas, selection.Behind, cache, ct).ConfigureAwait(false);
        selection = Select(replicas, patroni, cache, policy, required, now);
        if (selection.Ready.Count > 0)
            return Served(snapshot, selection, ReadRoute.CaughtUpReplica);
        long started = Stopwatch.GetTimestamp();
        TimeSpan pause = FirstPoll;
        while (selection.Behind.Count > 0)
        {
            TimeSpan left = policy.MaxWait - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                break;
            await Task.Delay(pause < left ? pause : left, ct).ConfigureAwait(false);
            pause = pause * 2 < MaxPoll ? pause * 2 : MaxPoll;
            await ProbeAsync(replicas, selection.Behind, cache, ct).ConfigureAwait(false);
            selection = Select(replicas, patroni, cache, policy, required, now);
            if (selection.Ready.Count > 0)
            {
                Statistics.CountWait(Stopwatch.GetTimestamp() - started, servedByReplica: true);
                return Served(snapshot, selection, ReadRoute.ReplicaAfterWait);
            }
        }
        if (policy.MaxWait > TimeSpan.Zero)
            Statistics.CountWait(Stopwatch.GetTimestamp() - started, servedByReplica: false);
        foreach (string member in selection.Behind)
            Statistics.CountSkip(member, SkipReason.Behind);
        return Fallback(backend, LeaderFallback.CatchUpTimeout);
    }

    /// <summary>
    /// The default policy without the general selector's allocations: the n-th usable replica in turn (the same
    /// choice <see cref="ReplicaSelector"/> makes for it), the leader when there is none.
    /// </summary>
    private RouteTarget PlainRoundRobin(PatroniBackend backend, ClusterSnapshot snapshot, DateTimeOffset now)
    {
        RouteTarget[] targets = TargetsOf(snapshot);
        IReadOnlyList<PatroniMember> members = snapshot.Members;
        int usable = 0;
        for (int i = 0; i < members.Count; i++)
        {
            if (Usable(members[i], backend, now))
                usable++;
        }
        if (usable < members.Count - 1)
        {
            // Someone was passed over: count why (the rare path).
            for (int i = 0; i < members.Count; i++)
            {
                PatroniMember m = members[i];
                if (!m.IsLeader && !Usable(m, backend, now))
                    Statistics.CountSkip(m.Name, ReplicaSelector.IsNoLoadBalance(m.Tags) ? SkipReason.NoLoadBalance : SkipReason.Unavailable);
            }
        }
        if (usable == 0)
            return Fallback(backend, LeaderFallback.NoEligibleReplica);
        int pick = (int)((uint)Interlocked.Increment(ref _turn) % (uint)usable);
        for (int i = 0; i < members.Count; i++)
        {
            if (Usable(members[i], backend, now) && pick-- == 0)
                return Count(targets[i], ReadRoute.Replica);
        }
        return Fallback(backend, LeaderFallback.NoEligibleReplica); // the backoff of one ended meanwhile
    }

    private static bool Usable(PatroniMember m, PatroniBackend backend, DateTimeOffset now) =>
        !m.IsLeader && m.IsRunning && !ReplicaSelector.IsNoLoadBalance(m.Tags) && backend.ServesReads(m.Name, now);

    /// <summary>Route targets of a snapshot's members, built once per snapshot.</summary>
    private RouteTarget[] TargetsOf(ClusterSnapshot snapshot)
    {
        if (_targets is { } cached && ReferenceEquals(cached.Snapshot, snapshot))
            return cached.Targets;
        RouteTarget[] targets = snapshot.Members.Select(ReplicaStateCache.ToTarget).ToArray();
        _targets = new SnapshotTargets(snapshot, targets);
        return targets;
    }

    private sealed record SnapshotTargets(ClusterSnapshot Snapshot, RouteTarget[] Targets);

    private CommitPosition? RequiredPosition(QueryRequest request)
    {
        CommitPosition? own = LastCommit;
        if (request.AfterPosition is not { } after)
            return own;
        return own is { } o ? CommitPosition.Later(o, after) : after;
    }

    /// <summary>
    /// A position is trusted when it was written on the current leader's timeline (or its timeline is
    /// unknown and no failover happened since the session saw it). One from an older timeline may point at WAL
    /// the new leader never had: those reads go to the leader.
    /// </summary>
    private static bool TrustedOnCurrentTimeline(CommitPosition position, ClusterSnapshot snapshot) =>
        position.Timeline is not { } written || snapshot.Leader?.Timeline is not { } current || written == current;

    /// <summary>
    /// A position from an older timeline is trusted when it is at or before that timeline's switch point in
    /// the current leader's GET /history (cached per timeline). Unknown history: not trusted.
    /// </summary>
    private async Task<bool> OnCurrentHistoryAsync(PatroniBackend backend, ClusterSnapshot snapshot, CommitPosition position,
        CancellationToken ct)
    {
        if (snapshot.Leader is not { Timeline: { } current, ApiUrl: { } api } || position.Timeline is not { } written || written > current)
            return false;
        (long Timeline, TimelineHistory History)? cached;
        lock (_gate)
            cached = _history;
        if (cached?.Timeline != current)
        {
            try
            {
                using var client = new PatroniRestClient(backend.Options.Api);
                cached = (current, TimelineHistory.From(await client.GetHistoryAsync(PatroniEndpoint.FromApiUrl(api) ?? api, ct).ConfigureAwait(false)));
                lock (_gate)
                    _history = cached;
            }
            catch (Exception ex) when (ex is Errors.PatroniHaException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return false;
            }
        }
        return cached.Value.History.Contains(written, position.Lsn.Value);
    }

    private ReplicaSelection Select(List<PatroniMember> replicas, PatroniBackend backend, ReplicaStateCache cache,
        ReadPolicy policy, Lsn? required, DateTimeOffset now)
    {
        var candidates = new List<ReplicaCandidate>(replicas.Count);
        foreach (PatroniMember m in replicas)
            candidates.Add(new ReplicaCandidate(m.Name, m.Tags, m.IsRunning && backend.ServesReads(m.Name, now), cache.Get(m.Name)));
        return ReplicaSelector.Select(candidates, policy, required, cache.LeaderSamples, Stopwatch.GetTimestamp(),
            Interlocked.Increment(ref _turn));
    }

    private async Task ProbeAsync(List<PatroniMember> replicas, IReadOnlyList<string> names, ReplicaStateCache cache,
        CancellationToken ct)
    {
        var probes = new List<Task>(names.Count);
        foreach (PatroniMember m in replicas)
        {
            if (names.Contains(m.Name))
            {
                Statistics.CountProbe();
                probes.Add(cache.ProbeAsync(m, ct));
            }
        }
        await Task.WhenAll(probes).ConfigureAwait(false);
    }

    private RouteTarget Fallback(ClusterBackend backend, LeaderFallback reason)
    {
        Statistics.CountFallback(reason);
        return Count(Leader(backend), ReadRoute.LeaderFallback);
    }

    private static RouteTarget Leader(ClusterBackend backend) =>
        backend.Writer ?? throw new RetryableFailure(null, "No primary node found in cluster (the read must go to the leader)");

    private static RouteTarget FirstReader(ClusterBackend backend)
    {
        IReadOnlyList<RouteTarget> readers = backend.Readers();
        return readers.Count > 0 ? readers[0] : throw new RetryableFailure(null, "No member is known to serve reads");
    }

    private RouteTarget Target(ClusterSnapshot snapshot, string name)
    {
        RouteTarget[] targets = TargetsOf(snapshot);
        for (int i = 0; i < targets.Length; i++)
        {
            if (targets[i].Name == name)
                return targets[i];
        }
        throw new InvalidOperationException($"{name} is not a member of the snapshot");
    }

    /// <summary>The best ready replica serves; those still behind were passed over for it.</summary>
    private RouteTarget Served(ClusterSnapshot snapshot, ReplicaSelection selection, ReadRoute route)
    {
        foreach (string member in selection.Behind)
            Statistics.CountSkip(member, SkipReason.Behind);
        return Count(Target(snapshot, selection.Ready[0]), route);
    }

    private RouteTarget Count(RouteTarget target, ReadRoute route)
    {
        Statistics.CountRead(target.Name, route);
        return target;
    }

    private ReplicaStateCache CacheFor(PatroniBackend backend)
    {
        lock (_gate)
        {
            if (_cache?.Backend == backend)
                return _cache;
            _cache?.Dispose();
            return _cache = new ReplicaStateCache(backend);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _cache?.Dispose();
            _cache = null;
        }
    }
}
