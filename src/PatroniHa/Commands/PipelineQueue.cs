using System.Collections.Concurrent;

namespace PatroniHa.Commands;

/// <summary>
/// Work posted by background tasks (rows, messages) for the pipeline thread to carry out: PowerShell only
/// accepts WriteObject/WriteVerbose from the thread running the cmdlet. Bounded, so a fast query waits for a
/// slow pipeline instead of buffering every row.
/// </summary>
internal sealed class PipelineQueue : IDisposable
{
    private readonly BlockingCollection<Action> _items = new(boundedCapacity: 256);

    /// <summary>Queues <paramref name="action"/>, waiting while the queue is full.</summary>
    public void Post(Action action, CancellationToken ct) => _items.Add(action, ct);

    /// <summary>Queues without waiting; drops the action when the queue is full or finished.</summary>
    public void TryPost(Action action)
    {
        try
        {
            _items.TryAdd(action);
        }
        catch (InvalidOperationException)
        {
            // Already completed: the caller drains once more at the end anyway.
        }
    }

    public void Complete() => _items.CompleteAdding();

    /// <summary>Runs every posted action on the calling (pipeline) thread until <see cref="Complete"/>.</summary>
    public void RunUntilComplete()
    {
        foreach (Action action in _items.GetConsumingEnumerable())
            action();
    }

    public void Dispose() => _items.Dispose();
}
