using System.Diagnostics;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Drills;

/// <summary>
/// A writer and a reader running back to back (with a short pause) through the session while the drill
/// changes the cluster. Stopping lets the statement in flight finish, so its outcome is known.
/// </summary>
public sealed class ProbeWorkload : IAsyncDisposable
{
    private readonly ProbeTable _table;
    private readonly TimeSpan _pause;
    private readonly int _timeoutSeconds;
    private readonly bool _idempotent;
    private readonly object _gate = new();
    private readonly List<ProbeWrite> _writes = [];
    private readonly List<ProbeRead> _reads = [];
    private volatile bool _stopping;
    private Task _writer = Task.CompletedTask;
    private Task _reader = Task.CompletedTask;
    private long _seq;

    /// <param name="idempotentWrites">Mark each insert idempotent (it skips a number already there), so the
    /// session re-runs it where a plain insert would be "outcome unknown".</param>
    public ProbeWorkload(ProbeTable table, TimeSpan pause, int statementTimeoutSeconds = 10, bool idempotentWrites = false)
    {
        _table = table;
        _pause = pause;
        _timeoutSeconds = statementTimeoutSeconds;
        _idempotent = idempotentWrites;
    }

    public long StartedAt { get; private set; }

    public long StoppedAt { get; private set; }

    public IReadOnlyList<ProbeWrite> Writes
    {
        get
        {
            lock (_gate)
                return _writes.ToList();
        }
    }

    public IReadOnlyList<ProbeRead> Reads
    {
        get
        {
            lock (_gate)
                return _reads.ToList();
        }
    }

    /// <summary>Starts both loops; <paramref name="ct"/> (Ctrl+C) cancels the statements in flight.</summary>
    public void Start(CancellationToken ct)
    {
        StartedAt = Stopwatch.GetTimestamp();
        _writer = Task.Run(() => WriteLoopAsync(ct));
        _reader = Task.Run(() => ReadLoopAsync(ct));
    }

    /// <summary>Stops after the statements in flight; never throws.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        try
        {
            await Task.WhenAll(_writer, _reader).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loops record their own failures; cancellation ends them.
        }
        if (StoppedAt == 0)
            StoppedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Stops the loops if nobody did (a test that failed half-way).</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Waits until a write that started after <paramref name="since"/> was acknowledged by <paramref name="member"/>.</summary>
    public Task<ProbeWrite?> WaitForWriteAsync(string member, long since, TimeSpan timeout, CancellationToken ct) =>
        WaitForAsync(() => Writes.FirstOrDefault(w => w.StartedAt >= since && w.Outcome == ProbeWriteOutcome.Acknowledged && w.Server == member),
            timeout, ct);

    /// <summary>Waits until a read that started after <paramref name="since"/> succeeded.</summary>
    public Task<ProbeRead?> WaitForReadAsync(long since, TimeSpan timeout, CancellationToken ct) =>
        WaitForAsync(() => Reads.FirstOrDefault(r => r.StartedAt >= since && r.Succeeded), timeout, ct);

    private static async Task<T?> WaitForAsync<T>(Func<T?> probe, TimeSpan timeout, CancellationToken ct) where T : class
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } found)
                return found;
            if (sw.Elapsed > timeout)
                return null;
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        while (!_stopping && !ct.IsCancellationRequested)
        {
            long seq = Interlocked.Increment(ref _seq);
            long start = Stopwatch.GetTimestamp();
            ProbeWrite write;
            try
            {
                string server = await _table.InsertAsync(seq, _timeoutSeconds, ct, _idempotent).ConfigureAwait(false);
                write = new ProbeWrite(seq, ProbeWriteOutcome.Acknowledged, start, Stopwatch.GetTimestamp(), server);
            }
            catch (PatroniHaException e) when (e.ErrorId is PatroniErrorIds.CommitOutcomeUnknown or PatroniErrorIds.QueryCanceled)
            {
                write = new ProbeWrite(seq, ProbeWriteOutcome.OutcomeUnknown, start, Stopwatch.GetTimestamp(), null, e.ErrorId, e.Message);
            }
            catch (PatroniHaException e)
            {
                write = new ProbeWrite(seq, ProbeWriteOutcome.Failed, start, Stopwatch.GetTimestamp(), null, e.ErrorId, e.Message);
            }
            catch (OperationCanceledException)
            {
                write = new ProbeWrite(seq, ProbeWriteOutcome.OutcomeUnknown, start, Stopwatch.GetTimestamp(), null, "Canceled");
            }
            catch (Exception e)
            {
                // Never let a probe loop die on something unexpected: record it as unknown (safest for accounting).
                write = new ProbeWrite(seq, ProbeWriteOutcome.OutcomeUnknown, start, Stopwatch.GetTimestamp(), null, e.GetType().Name, e.Message);
            }
            lock (_gate)
                _writes.Add(write);
            await PauseAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        while (!_stopping && !ct.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            ProbeRead read;
            try
            {
                string server = await _table.ReadAsync(_timeoutSeconds, ct).ConfigureAwait(false);
                read = new ProbeRead(true, start, Stopwatch.GetTimestamp(), server);
            }
            catch (PatroniHaException e)
            {
                read = new ProbeRead(false, start, Stopwatch.GetTimestamp(), null, e.ErrorId, e.Message);
            }
            catch (Exception e)
            {
                read = new ProbeRead(false, start, Stopwatch.GetTimestamp(), null, e.GetType().Name, e.Message);
            }
            lock (_gate)
                _reads.Add(read);
            await PauseAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task PauseAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(_pause, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
