using System.Collections.Concurrent;

namespace PatroniHa.Engine.Sessions;

/// <summary>
/// Messages from monitor threads, queued until a cmdlet drains them on the pipeline thread
/// (writing to the pipeline from any other thread is an error in PowerShell). Bounded: the oldest go.
/// </summary>
public sealed class SessionEventLog
{
    private const int Capacity = 1000;
    private readonly ConcurrentQueue<SessionEvent> _queue = new();

    /// <summary>Raised (on the posting thread) after a message is queued, so a waiting cmdlet can wake.</summary>
    public event Action? Posted;

    public void Post(SessionEventKind kind, string message)
    {
        _queue.Enqueue(new SessionEvent(DateTimeOffset.UtcNow, kind, message));
        while (_queue.Count > Capacity && _queue.TryDequeue(out _))
        {
        }
        try
        {
            Posted?.Invoke();
        }
        catch
        {
            // A listener's failure must never reach a monitor thread.
        }
    }

    public void Verbose(string message) => Post(SessionEventKind.Verbose, message);

    public void Warning(string message) => Post(SessionEventKind.Warning, message);

    public bool TryTake(out SessionEvent? item)
    {
        bool taken = _queue.TryDequeue(out var e);
        item = e;
        return taken;
    }
}
