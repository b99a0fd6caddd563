using System.Runtime.ExceptionServices;

namespace PatroniHa.Commands;

/// <summary>
/// Work posted by the engine (rows, messages) for the pipeline thread to carry out: PowerShell only accepts
/// WriteObject/WriteVerbose from the thread running the cmdlet. Rows are bounded, so a fast query waits for a
/// slow pipeline instead of buffering every row; messages (warnings, progress, failover notes) are never dropped.
/// Posted on the pipeline thread itself (the work runs there until its first real wait), an action runs at once.
/// </summary>
internal sealed class PipelineQueue
{
    private const int RowCapacity = 256;

    private readonly object _gate = new();
    private readonly Queue<(Action Action, bool IsRow)> _items = new();
    private readonly Thread _pipelineThread = Thread.CurrentThread;
    private readonly Action _onPipelineStopped;
    private int _rows;
    private bool _completed;
    private bool _closed;
    private bool _draining;

    /// <param name="onPipelineStopped">Called when an action run inline fails (the pipeline stopped under it).</param>
    public PipelineQueue(Action onPipelineStopped)
    {
        _onPipelineStopped = onPipelineStopped;
    }

    /// <summary>
    /// Why an action run inline, on the pipeline thread inside the work, failed (PipelineStoppedException from
    /// Select-Object -First, Ctrl+C …): the cmdlet rethrows it as it is instead of the work's own failure.
    /// </summary>
    public ExceptionDispatchInfo? InlineFailure { get; private set; }

    /// <summary>
    /// When the pipeline stops taking rows (Select-Object -First), drop the rest instead of stopping the work:
    /// a write that returns rows must run to its end, not be cancelled (and roll back) after its first rows were
    /// shown. Set before the work starts.
    /// </summary>
    public bool DrainRowsOnStop { get; init; }

    /// <summary>Queues a row, waiting while <see cref="RowCapacity"/> rows wait for the pipeline.</summary>
    /// <exception cref="OperationCanceledException">The pipeline stopped, or <paramref name="ct"/> was canceled.</exception>
    public void Post(Action action, CancellationToken ct)
    {
        if (OnPipelineThread(action, isRow: true))
            return;
        lock (_gate)
        {
            while (_rows >= RowCapacity && !_closed)
            {
                ct.ThrowIfCancellationRequested();
                // The pipeline thread pulses when it takes a row; the timeout only re-checks ct.
                Monitor.Wait(_gate, 100);
            }
            if (_draining)
                return;
            if (_closed)
                throw new OperationCanceledException("The pipeline stopped.");
            _rows++;
            Enqueue(action, isRow: true);
        }
    }

    /// <summary>
    /// Queues a message without waiting (unbounded: messages are few). Dropped only once the pipeline has stopped,
    /// when nothing can be written any more.
    /// </summary>
    public void TryPost(Action action)
    {
        if (OnPipelineThread(action, isRow: false))
            return;
        lock (_gate)
        {
            if (!_closed || _draining)
                Enqueue(action, isRow: false);
        }
    }

    /// <summary>The work ended: <see cref="RunUntilComplete"/> returns once everything posted ran.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The pipeline stopped: later posts are refused (rows) or dropped (messages), waiting writers wake.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _items.Clear();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Runs every posted action on the calling (pipeline) thread until <see cref="Complete"/>.</summary>
    public void RunUntilComplete()
    {
        while (true)
        {
            Action next;
            bool isRow;
            lock (_gate)
            {
                while (_items.Count == 0 && !_completed)
                    Monitor.Wait(_gate);
                if (_items.Count == 0)
                    return;
                (next, isRow) = _items.Dequeue();
                if (isRow && _rows-- == RowCapacity)
                    Monitor.PulseAll(_gate);
            }
            try
            {
                next();
            }
            catch (Exception e) when (isRow && DrainRowsOnStop && InlineFailure is null)
            {
                StartDraining(e);
            }
        }
    }

    private bool OnPipelineThread(Action action, bool isRow)
    {
        if (Thread.CurrentThread != _pipelineThread || Volatile.Read(ref _closed))
            return false;
        try
        {
            action();
        }
        catch (Exception e) when (isRow && DrainRowsOnStop)
        {
            StartDraining(e);
        }
        catch (Exception e)
        {
            // The work must not take the pipeline's exception for its own failure: it is stopped and told so.
            InlineFailure = ExceptionDispatchInfo.Capture(e);
            Close();
            _onPipelineStopped();
            throw new OperationCanceledException("The pipeline stopped.", e);
        }
        return true;
    }

    // The pipeline refused a row: remember why (the cmdlet rethrows it once the work ended) and drop what follows.
    private void StartDraining(Exception e)
    {
        InlineFailure = ExceptionDispatchInfo.Capture(e);
        lock (_gate)
        {
            _draining = true;
            _closed = true;
            // Rows go; messages (warnings, failover notes) stay.
            var messages = _items.Where(item => !item.IsRow).ToList();
            _items.Clear();
            foreach (var message in messages)
                _items.Enqueue(message);
            _rows = 0;
            Monitor.PulseAll(_gate);
        }
    }

    private void Enqueue(Action action, bool isRow)
    {
        _items.Enqueue((action, isRow));
        if (_items.Count == 1)
            Monitor.PulseAll(_gate);
    }
}
