namespace PatroniHa.Engine.Topology;

/// <summary>
/// "Something changed" for waiters: <see cref="WaitAsync"/> ends at the next <see cref="Raise"/> or after a
/// maximum. Used by the monitor (topology changed) and the lease (renewed). Thread-safe.
/// </summary>
internal sealed class ChangeSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource _next = New();

    public void Raise()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = _next;
            _next = New();
        }
        signal.TrySetResult();
    }

    /// <summary>Waits for the next <see cref="Raise"/> or <paramref name="max"/>; throws only when cancelled.</summary>
    public async Task WaitAsync(TimeSpan max, CancellationToken ct)
    {
        Task next;
        lock (_gate)
            next = _next.Task;
        await Task.WhenAny(next, Task.Delay(max, ct)).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
