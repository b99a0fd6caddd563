using System.Collections.Concurrent;
using Npgsql;
using PatroniHa.Engine.Configuration;

namespace PatroniHa.Engine.Routing;

/// <summary>
/// What a session routes through in one mode: which server takes writes, which take reads, and the pools
/// to them. A mode switch builds a new backend and retires the old one once its queries have finished
/// (<see cref="Enter"/>/<see cref="Exit"/> count them).
/// </summary>
public abstract class ClusterBackend : IAsyncDisposable
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<WriteTicket, byte> _writes = new();
    private int _inFlight;
    private int _retiring;

    private protected ClusterBackend(ClusterOptions options)
    {
        Options = options;
        Pools = new DataSourceRegistry(options);
    }

    public ClusterOptions Options { get; }

    public abstract ClusterMode Mode { get; }

    internal DataSourceRegistry Pools { get; }

    /// <summary>The server that takes writes now; null while no leader is known.</summary>
    public abstract RouteTarget? Writer { get; }

    /// <summary>Servers to try for a read, best first (replicas spread round-robin, the leader last).</summary>
    public abstract IReadOnlyList<RouteTarget> Readers();

    /// <summary>Changes whenever the writer may have changed; a writer is re-checked read-write after it.</summary>
    public abstract long Epoch { get; }

    public NpgsqlDataSource DataSource(RouteTarget target, string? database) =>
        Pools.Get(target, database ?? Options.Database);

    /// <summary>A query could not use <paramref name="target"/>.</summary>
    public virtual void ReportFailure(RouteTarget target)
    {
    }

    public virtual void ReportWriteSucceeded(RouteTarget target)
    {
    }

    /// <summary>Waits for the topology to change (or <paramref name="max"/>) before a write is tried again.</summary>
    public virtual Task WaitForChangeAsync(TimeSpan max, CancellationToken ct) => Task.Delay(max, ct);

    /// <summary>
    /// True while the topology could not be confirmed lately (the Patroni REST API is unreachable): writes then
    /// re-check that their server is read-write more often, since a leader change could go unseen.
    /// </summary>
    public virtual bool TopologyUnconfirmed => false;

    /// <summary>
    /// Registers a write about to run on <paramref name="target"/>. Its token is cancelled when that member
    /// stops being the leader (<see cref="AbortWrites"/>), so a write stuck on a demoted or zombie primary
    /// (e.g. waiting for a synchronous standby that was promoted) ends as "outcome unknown" instead of hanging.
    /// </summary>
    /// <summary>
    /// Members a write found read-write, with the epoch and time of that check (fencing: checked again after
    /// every leader change). Kept here so it goes with the backend when a mode switch retires it.
    /// </summary>
    internal ConcurrentDictionary<string, (long Epoch, long At)> VerifiedWriters { get; } = new();

    internal WriteTicket TrackWrite(RouteTarget target)
    {
        var ticket = new WriteTicket(this, target.Name);
        _writes.TryAdd(ticket, 0);
        return ticket;
    }

    /// <summary>Cancels every running write whose member <paramref name="demoted"/> says lost the leadership.</summary>
    internal int AbortWrites(Func<string, bool> demoted)
    {
        int aborted = 0;
        foreach (WriteTicket ticket in _writes.Keys)
        {
            if (demoted(ticket.Member) && ticket.Abort())
                aborted++;
        }
        return aborted;
    }

    internal sealed class WriteTicket(ClusterBackend owner, string member) : IDisposable
    {
        private readonly CancellationTokenSource _abort = new();
        private int _state; // 0 running, 1 aborted, 2 disposed

        public string Member { get; } = member;

        public CancellationToken Token => _abort.Token;

        public bool Aborted => Volatile.Read(ref _state) == 1;

        internal bool Abort()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
                return false;
            // Off the monitor's thread: Npgsql's cancellation callback may try to reach a dead host, and
            // topology monitoring must not stall behind it.
            _ = Task.Run(() =>
            {
                try
                {
                    _abort.Cancel();
                }
                catch (Exception)
                {
                    // Disposed meanwhile (the write ended), or a callback failed: nothing to do.
                }
            });
            return true;
        }

        public void Dispose()
        {
            owner._writes.TryRemove(this, out _);
            Interlocked.CompareExchange(ref _state, 2, 0);
            // An Abort racing with this sees ObjectDisposedException, which it swallows.
            _abort.Dispose();
        }
    }

    internal bool Enter()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _retiring) == 0)
            return true;
        Exit();
        return false;
    }

    internal void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _retiring) != 0)
            _drained.TrySetResult();
    }

    /// <summary>Stops taking new queries and waits for the running ones to finish.</summary>
    internal Task RetireAsync()
    {
        // A full fence (not a volatile write): a query that saw "not retiring" in Enter must be counted here,
        // or its backend would be disposed under it.
        Interlocked.Exchange(ref _retiring, 1);
        if (Volatile.Read(ref _inFlight) == 0)
            _drained.TrySetResult();
        return _drained.Task;
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Pools.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
