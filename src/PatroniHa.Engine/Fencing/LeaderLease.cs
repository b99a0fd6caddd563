using System.Diagnostics;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Topology;

namespace PatroniHa.Engine.Fencing;

/// <summary>
/// The session's lease on the leader: held on member L only while L's own Patroni recently confirmed, through
/// its REST API (GET /primary), that it runs and holds the leader lock. Renewed in the background on its own
/// task (never on the write path); see <see cref="LeaseTiming"/> for the bound and why it is safe.
/// </summary>
public sealed class LeaderLease : IAsyncDisposable
{
    /// <summary>A confirmation of <paramref name="Member"/> whose request was sent at <paramref name="SentAt"/> (Stopwatch ticks).</summary>
    private sealed record Grant(string Member, long SentAt, TimeSpan Length);

    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(2);

    private readonly TopologyMonitor _monitor;
    private readonly ITopologySource _source;
    private readonly TimeSpan _apiTimeout;
    private readonly SessionEventLog _events;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ChangeSignal _renewed = new();
    private volatile Grant? _grant;
    private volatile string? _why;
    private volatile LeaseTiming _timing = LeaseTiming.PatroniDefaults;
    private volatile bool _timingKnown;
    // A longer timing seen in /config, and when: used only once the leader's Patroni must have applied it.
    private LeaseTiming? _longer;
    private long _longerSeenAt;
    private volatile string? _configError; // why GET /config failed, until it first answers
    private int _checkingSecondPrimaries;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _secondPrimaries = new();
    private Task _loop = Task.CompletedTask;

    public LeaderLease(TopologyMonitor monitor, ITopologySource source, TimeSpan apiTimeout, SessionEventLog events)
    {
        _monitor = monitor;
        _source = source;
        _apiTimeout = apiTimeout;
        _events = events;
    }

    public LeaseTiming Timing => _timing;

    /// <summary>Raised on the lease's task when a member Patroni lists as replica runs as a primary (split brain).</summary>
    public event Action<PatroniMember>? SecondPrimaryFound;

    /// <summary>Members other than the leader whose own Patroni last said their PostgreSQL runs as primary.</summary>
    public IReadOnlyCollection<string> SecondPrimaries => _secondPrimaries.Keys.ToList();

    public bool IsSecondPrimary(string member) => _secondPrimaries.ContainsKey(member);

    /// <summary>
    /// True while a confirmation of <paramref name="member"/> is younger than the lease length: the length it was
    /// granted with, or the cluster's current one if that is shorter (ttl lowered since: it counts at once).
    /// </summary>
    public bool Holds(string member)
    {
        if (_grant is not { } g || g.Member != member)
            return false;
        TimeSpan current = _timing.Length;
        TimeSpan length = current < g.Length ? current : g.Length;
        return Stopwatch.GetElapsedTime(g.SentAt) < length;
    }

    /// <summary>Why <paramref name="member"/> holds no lease now (for errors and health).</summary>
    public string Why(string member)
    {
        if (Holds(member))
            return $"{member} holds the lease";
        string? why = _why;
        if (_grant is { } g && g.Member == member)
            return $"the lease on {member} ran out ({_timing}): {why ?? "not renewed in time"}";
        return why ?? $"{member}'s Patroni has not confirmed it holds the leader lock yet";
    }

    /// <summary>First confirmation (the cluster's timing and the current leader), then the renewal loop.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await LoadTimingAsync(ct).ConfigureAwait(false);
        await RenewOnceAsync(ct).ConfigureAwait(false);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Renew now (the leader changed): a write waiting for the new leader's lease should not wait a cadence.</summary>
    public void RenewNow() => _wake.Release();

    /// <summary>Waits until the next renewal or <paramref name="max"/>.</summary>
    public Task WaitForRenewalAsync(TimeSpan max, CancellationToken ct) => _renewed.WaitAsync(max, ct);

    private async Task LoopAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // While no lease is held (a failover, a Patroni down) ask more often, still only a few per loop_wait.
                LeaseTiming timing = _timing;
                bool held = _monitor.Current?.Leader is { } l && Holds(l.Name);
                TimeSpan wait = held ? timing.RenewEvery : timing.RenewEvery / 4;
                await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
                while (_wake.CurrentCount > 0)
                    _wake.Wait(0);
                if (!_timingKnown)
                {
                    await LoadTimingAsync(stop).ConfigureAwait(false);
                    await RenewOnceAsync(stop).ConfigureAwait(false);
                }
                else
                {
                    // The timing is read again beside every renewal: a lowered ttl shortens the lease at once.
                    Task reread = LoadTimingAsync(stop);
                    await RenewOnceAsync(stop).ConfigureAwait(false);
                    await reread.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Never let the loop die; the lease simply lapses.
                _why = $"the lease renewal failed: {ex.Message}";
            }
        }
    }

    private async Task LoadTimingAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConfigTimeout);
        try
        {
            LeaseTiming timing = LeaseTiming.From(await _source.GetConfigAsync(timeout.Token).ConfigureAwait(false));
            if (_timingKnown && timing.Length > _timing.Length && !LongerInForce(timing))
                return;
            _longer = null;
            bool changed = !_timingKnown || timing != _timing;
            _timing = timing;
            _timingKnown = true;
            if (!changed)
                return;
            if (!timing.IsSound)
                _events.Warning($"The cluster's timing ({timing}) breaks Patroni's rule ttl >= loop_wait + 2 x retry_timeout: " +
                                "no write lease is provably safe, so writes are refused. Fix ttl/loop_wait/retry_timeout with " +
                                "Set-PatroniConfiguration or patronictl edit-config.");
            _events.Verbose($"Write lease: {timing}.");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Until /config first answers there is no lease: a length guessed from Patroni's defaults could outlast
            // the real cluster's lock (ttl 10 s against the default 30 s). Once known, a failed re-read keeps it.
            if (!_timingKnown)
            {
                _configError = ex.Message;
                _events.Verbose($"Write lease: GET /config failed ({ex.Message}); no lease until it answers.");
            }
        }
    }

    /// <summary>
    /// Whether a longer lease than the current one may be used yet. GET /config shows a change before the leader's
    /// Patroni applies it (at its next HA cycle, within loop_wait + retry_timeout), and a leader key written under
    /// the old ttl lives for that ttl: so only after old ttl + loop_wait + retry_timeout since the change was first
    /// seen can no lock be running on the old, shorter timing. A shorter timing counts at once.
    /// </summary>
    private bool LongerInForce(LeaseTiming longer)
    {
        if (_longer != longer)
        {
            _longer = longer;
            _longerSeenAt = Stopwatch.GetTimestamp();
            _events.Verbose($"Write lease: the cluster's timing is now {longer}; the lease stays sized for {_timing} " +
                            "until the leader's Patroni has provably applied it.");
            return false;
        }
        LeaseTiming old = _timing;
        return Stopwatch.GetElapsedTime(_longerSeenAt) >= old.Ttl + old.LoopWait + old.RetryTimeout;
    }

    private async Task RenewOnceAsync(CancellationToken ct)
    {
        if (_monitor.Current?.Leader is not { } leader)
        {
            _why = "no member is leader";
            return;
        }
        if (!_timingKnown)
        {
            // Not the leader's fault: no failover report, only the reason writes wait.
            _why = $"{leader.Name}: the cluster's timing is not known yet (GET /config has not answered" +
                   (_configError is { } e ? $": {e}" : "") + "), so no lease can be sized";
            return;
        }
        LeaseTiming timing = _timing;
        long sentAt = Stopwatch.GetTimestamp();
        string? why;
        try
        {
            LeaderConfirmation answer = await _source.ConfirmLeaderAsync(leader, timing.RequestTimeout(_apiTimeout), ct)
                .ConfigureAwait(false);
            why = answer.HoldsLock ? null : answer.Why;
            if (why is not null)
                _grant = null; // it said so itself: no lease from now on, not only when the last one runs out
            else if (timing.IsSound)
                _grant = new Grant(leader.Name, sentAt, timing.Length);
            else
                why = $"the cluster's timing ({timing}) allows no safe lease";
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            why = $"its Patroni REST API did not confirm it ({ex.Message})";
        }

        // Off the renewal's path: a frozen replica's Patroni must not slow the lease down.
        if (Interlocked.CompareExchange(ref _checkingSecondPrimaries, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await FindSecondPrimariesAsync(leader, timing, ct).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Cancelled on dispose, or a handler failed (reported there): the next renewal tries again.
                }
                finally
                {
                    Volatile.Write(ref _checkingSecondPrimaries, 0);
                }
            }, CancellationToken.None);
        }

        bool wasConfirmed = _why is null;
        _why = why is null ? null : $"{leader.Name}: {why}";
        if (why is null)
        {
            if (!wasConfirmed)
                _monitor.ReportLeaderHealthy(leader.Name);
            _renewed.Raise();
        }
        else
        {
            // Its Patroni may be dead or frozen: the monitor looks for a new leader at once.
            _monitor.ReportFailure(leader.Name);
        }
    }

    /// <summary>
    /// Split brain: a member promoted behind Patroni's back (pg_promote, pg_ctl promote) answers
    /// pg_is_in_recovery() = false while another holds the lock. Its own Patroni reports that (role master in
    /// GET /patroni, from its own query of PostgreSQL): one request per replica per renewal, in parallel.
    /// Writes never go there (no lease on it); the backend clears its pools and stops reading from it.
    /// </summary>
    private async Task FindSecondPrimariesAsync(PatroniMember leader, LeaseTiming timing, CancellationToken ct)
    {
        PatroniMember[] others = _monitor.Current?.Members.Where(m => m.Name != leader.Name && m.ApiUrl is not null).ToArray() ?? [];
        TimeSpan timeout = timing.RequestTimeout(_apiTimeout);
        bool?[] primary = await Task.WhenAll(others.Select(async m =>
        {
            try
            {
                return (bool?)(await _source.GetMemberStatusAsync(m, timeout, ct).ConfigureAwait(false)).IsPrimary;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                return null; // no answer: what was known stays (the lease alone keeps writes safe)
            }
        })).ConfigureAwait(false);
        for (int i = 0; i < others.Length; i++)
        {
            if (primary[i] == false)
                _secondPrimaries.TryRemove(others[i].Name, out _);
            else if (primary[i] == true)
                MarkSecondPrimary(others[i], leader.Name);
        }
        foreach (string gone in _secondPrimaries.Keys.Where(k => others.All(o => o.Name != k)))
            _secondPrimaries.TryRemove(gone, out _);
    }

    /// <summary>
    /// <paramref name="member"/> runs as a primary without the lock (found by its Patroni here, or by the health
    /// check's own pg_is_in_recovery()): warn once and let the backend isolate it.
    /// </summary>
    internal void MarkSecondPrimary(PatroniMember member, string leader)
    {
        if (!_secondPrimaries.TryAdd(member.Name, 0))
            return;
        _events.Warning($"Split brain: {member.Name} runs as a primary (pg_is_in_recovery() = false) while " +
                        $"{leader} holds the leader lock. Writes go only to {leader}; {member.Name} gets no reads or writes until Patroni demotes it.");
        try
        {
            SecondPrimaryFound?.Invoke(member);
        }
        catch (Exception ex)
        {
            _events.Warning($"A split-brain handler failed: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync() => await BackgroundLoop.StopAsync(_stop, _loop).ConfigureAwait(false);
}
