using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Topology;

/// <summary>
/// Keeps a session's view of the cluster current: refreshes every health-check interval, at once when a
/// query reports a failure, and every <see cref="FastPollInterval"/> while a failover is under way (no
/// leader, or the leader failed) until a usable leader appears or the failover timeout runs out.
/// Runs on its own task; every callback out of it is guarded so it can never take the host down.
/// </summary>
public sealed class TopologyMonitor : IAsyncDisposable
{
    public static readonly TimeSpan FastPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Failure reports wake the monitor at once, but refreshes never come closer together than this.</summary>
    private static readonly TimeSpan MinRefreshSpacing = TimeSpan.FromMilliseconds(20);

    private readonly ITopologySource _source;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _failoverTimeout;
    private readonly SessionStatistics _stats;
    private readonly SessionEventLog _events;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _gate = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly ChangeSignal _changed = new();
    private volatile ClusterSnapshot? _current;
    // The last leader seen, kept as seen: a leaderless snapshot in between may no longer list it at all.
    private PatroniMember? _lastLeader;
    private string? _suspectLeader;
    private DateTimeOffset? _failoverStartedAt;
    private long _leaderApiDownSince; // Stopwatch timestamp; 0 while the leader's REST API answers
    private long _epoch;
    private Task _loop = Task.CompletedTask;

    public TopologyMonitor(ITopologySource source, TimeSpan interval, TimeSpan failoverTimeout,
        SessionStatistics stats, SessionEventLog events)
    {
        _source = source;
        _interval = interval;
        _failoverTimeout = failoverTimeout;
        _stats = stats;
        _events = events;
    }

    /// <summary>Raised on the monitor's thread after the leader moved: (old leader, new leader).</summary>
    public event Action<PatroniMember?, PatroniMember>? LeaderChanged;

    public ClusterSnapshot? Current => _current;

    internal ITopologySource Source => _source;

    internal SessionEventLog Events => _events;

    /// <summary>Increments every time the leader changes; writers re-check read-write after a change.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    public bool IsHandlingFailover => _failoverStartedAt is not null;

    /// <summary>
    /// Poll every <see cref="FastPollInterval"/>: a failover is under way, or the leader's own REST API stopped
    /// answering (its Patroni may be dead: PostgreSQL may still take writes, and Patroni will elect another
    /// leader after ttl — the session must see that at once). Both end after the failover timeout.
    /// </summary>
    public bool IsFastPolling =>
        IsHandlingFailover ||
        (Interlocked.Read(ref _leaderApiDownSince) is var since and not 0 &&
         System.Diagnostics.Stopwatch.GetElapsedTime(since) < _failoverTimeout);

    /// <summary>Why the last refresh failed (null after a good one): the REST API may be down.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>First discovery (throws what discovery throws), then the background loop.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await RefreshCoreAsync(wakeLoop: false, ct).ConfigureAwait(false);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Refresh now and return the view it leaves (Get-PatroniTopology -Refresh, drills).</summary>
    public async Task<ClusterSnapshot> RefreshAsync(CancellationToken ct)
    {
        // The loop may be in a long wait computed before this refresh: wake it if fast polling starts now.
        await RefreshCoreAsync(wakeLoop: true, ct).ConfigureAwait(false);
        return _current!;
    }

    /// <summary>
    /// The one way a snapshot gets in: one refresh at a time (the loop's and an outside one never interleave),
    /// and a snapshot older than the one applied is dropped (see <see cref="IsOlderThanApplied"/>).
    /// </summary>
    private async Task RefreshCoreAsync(bool wakeLoop, CancellationToken ct)
    {
        await _refreshGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ClusterSnapshot snapshot = await _source.DiscoverAsync(ct).ConfigureAwait(false);
            _stats.CountRefresh();
            LastError = null;
            if (IsOlderThanApplied(snapshot))
                _events.Verbose($"Ignored a stale topology from {snapshot.Source}: it names {snapshot.Leader!.Name} " +
                                $"(timeline {snapshot.Leader.Timeline}) leader, after {_current!.Leader!.Name} (timeline {_current.Leader.Timeline}).");
            else
                Apply(snapshot, wakeLoop);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LastError = ex;
            throw;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>
    /// An endpoint cut off from the DCS (or slow to see a failover) may still name the old leader: a leader on a
    /// lower timeline than the applied leader's is the past, and taking it would abort writes on the real leader.
    /// </summary>
    private bool IsOlderThanApplied(ClusterSnapshot snapshot) =>
        _current?.Leader is { Timeline: long appliedTimeline } applied &&
        snapshot.Leader is { Timeline: long timeline } leader &&
        leader.Name != applied.Name && timeline < appliedTimeline;

    /// <summary>A query could not use <paramref name="member"/>; if it is the leader, a failover may be under way.</summary>
    public void ReportFailure(string member)
    {
        lock (_gate)
        {
            if (_suspectLeader is null && string.Equals(_current?.Leader?.Name, member, StringComparison.Ordinal))
            {
                _suspectLeader = member;
                BeginFailover();
            }
        }
        _wake.Release();
    }

    /// <summary>Refresh the topology now, without suspecting anyone (a statement timed out: slow, or a dead server).</summary>
    public void RefreshNow() => _wake.Release();

    /// <summary>A write succeeded on the leader: whatever made it suspect is over.</summary>
    public void ReportLeaderHealthy(string member)
    {
        lock (_gate)
        {
            if (_suspectLeader == member)
            {
                _suspectLeader = null;
                _failoverStartedAt = null;
            }
        }
    }

    /// <summary>Waits until the next refresh that changes something, or <paramref name="max"/>.</summary>
    public Task WaitForChangeAsync(TimeSpan max, CancellationToken ct) => _changed.WaitAsync(max, ct);

    private async Task LoopAsync()
    {
        CancellationToken stop = _stop.Token;
        long lastStarted = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                TimeSpan wait = IsFastPolling ? FastPollInterval : _interval;
                await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
                // A burst of failure reports (every retry of every query) costs one refresh, not one each.
                TimeSpan sinceLast = System.Diagnostics.Stopwatch.GetElapsedTime(lastStarted);
                if (sinceLast < MinRefreshSpacing)
                    await Task.Delay(MinRefreshSpacing - sinceLast, stop).ConfigureAwait(false);
                while (_wake.CurrentCount > 0)
                    _wake.Wait(0);
                lastStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                await RefreshInLoopAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Never let the loop die (and never let an exception escape a background thread).
                LastError = ex;
            }
        }
    }

    private async Task RefreshInLoopAsync(CancellationToken stop)
    {
        try
        {
            await RefreshCoreAsync(wakeLoop: false, stop).ConfigureAwait(false);
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            // Recorded in LastError.
        }
        GiveUpIfFailoverTimedOut();
    }

    private void Apply(ClusterSnapshot snapshot, bool wakeLoop = false)
    {
        PatroniMember? oldLeader = null;
        PatroniMember? newLeader = snapshot.Leader;
        bool moved = false;
        bool startedFastPolling;
        bool leaderApiDown = newLeader is not null && SafeIsMemberApiDown(newLeader);
        lock (_gate)
        {
            bool wasFastPolling = IsFastPolling;
            oldLeader = _lastLeader;
            _current = snapshot;
            if (newLeader is null)
            {
                BeginFailover();
            }
            else if (newLeader.Name != _suspectLeader)
            {
                moved = _lastLeader is not null && _lastLeader.Name != newLeader.Name;
                if (moved)
                {
                    // A planned switchover (or a failover first seen here) gets both messages too.
                    BeginFailover();
                    _stats.CountFailover();
                    Interlocked.Increment(ref _epoch);
                }
                if (moved || _failoverStartedAt is not null)
                    _events.Verbose($"Failover complete - new primary: {newLeader.Address}");
                _lastLeader = newLeader;
                _suspectLeader = null;
                _failoverStartedAt = null;
            }
            if (!leaderApiDown || moved)
                Interlocked.Exchange(ref _leaderApiDownSince, 0);
            if (leaderApiDown)
                Interlocked.CompareExchange(ref _leaderApiDownSince, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
            _changed.Raise();
            startedFastPolling = !wasFastPolling && IsFastPolling;
        }
        if (wakeLoop && startedFastPolling)
            _wake.Release();
        if (moved)
            RaiseLeaderChanged(oldLeader, newLeader!);
    }

    private bool SafeIsMemberApiDown(PatroniMember member)
    {
        try
        {
            return _source.IsMemberApiDown(member);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private void BeginFailover()
    {
        if (_failoverStartedAt is not null)
            return;
        _failoverStartedAt = DateTimeOffset.UtcNow;
        _events.Verbose("Handling failover - detecting new primary...");
    }

    private void GiveUpIfFailoverTimedOut()
    {
        lock (_gate)
        {
            if (_failoverStartedAt is { } started && DateTimeOffset.UtcNow - started > _failoverTimeout)
            {
                _events.Warning(
                    $"No primary node found in cluster within the failover timeout ({_failoverTimeout.TotalSeconds:0} s); " +
                    "back to the normal refresh interval. Check `patronictl list`; if there is no leader, trigger a manual failover.");
                _failoverStartedAt = null;
                _suspectLeader = null;
            }
        }
    }

    private void RaiseLeaderChanged(PatroniMember? oldLeader, PatroniMember newLeader)
    {
        try
        {
            LeaderChanged?.Invoke(oldLeader, newLeader);
        }
        catch (Exception ex)
        {
            _events.Warning($"A leader-change handler failed: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (await BackgroundLoop.StopAsync(_stop, _loop).ConfigureAwait(false))
            (_source as IDisposable)?.Dispose();
    }
}
