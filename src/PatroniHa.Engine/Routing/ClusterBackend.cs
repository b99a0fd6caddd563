using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Routing;

/// <summary>
/// What a session routes through in one mode: which server takes writes, which take reads, and the pools
/// to them. A mode switch builds a new backend and retires the old one once its queries have finished
/// (<see cref="Enter"/>/<see cref="Exit"/> count them).
/// </summary>
public abstract class ClusterBackend : IAsyncDisposable
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _retiring;

    private protected ClusterBackend(ClusterOptions options)
    {
        Options = options;
        Pools = new DataSourceRegistry(options);
        Fence = new WriteFence(this, null);
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

    /// <summary>A statement ran past its timeout there: maybe only slow, so no failover alarm, only a fresh look.</summary>
    public virtual void ReportTimeout(RouteTarget target)
    {
    }

    public virtual void ReportWriteSucceeded(RouteTarget target)
    {
    }

    /// <summary>Waits for the topology to change (or <paramref name="max"/>) before a write is tried again.</summary>
    public virtual Task WaitForChangeAsync(TimeSpan max, CancellationToken ct) => Task.Delay(max, ct);

    /// <summary>The write fence: lease, registered writes, read-write check (see <see cref="WriteFence"/>).</summary>
    public WriteFence Fence { get; private protected set; }

    /// <summary>Starts what runs in the background (Patroni mode: the leader lease).</summary>
    internal virtual Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Patroni's view of the cluster as last seen; null in single-node mode (no type test needed).</summary>
    public virtual ClusterSnapshot? Topology => null;

    /// <summary>The members as this backend knows them (refreshed first if asked); single-node: the one server.</summary>
    public abstract Task<IReadOnlyList<PatroniMember>> GetMembersAsync(bool refresh, CancellationToken ct);

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

    /// <summary>
    /// Stops taking new queries and waits for the running ones to finish, at most <paramref name="deadline"/>
    /// (or until <paramref name="ct"/>): a long query must not hang a mode switch, Ctrl+C or runspace close.
    /// Returns false when it stopped waiting with queries still running (disposing then breaks them off).
    /// </summary>
    internal async Task<bool> RetireAsync(TimeSpan deadline, CancellationToken ct)
    {
        // A full fence (not a volatile write): a query that saw "not retiring" in Enter must be counted here,
        // or its backend would be disposed under it.
        Interlocked.Exchange(ref _retiring, 1);
        if (Volatile.Read(ref _inFlight) == 0)
            _drained.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task first = await Task.WhenAny(_drained.Task, Task.Delay(deadline, stop.Token)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        return first == _drained.Task;
    }

    /// <summary>Queries running on this backend now.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    public virtual async ValueTask DisposeAsync()
    {
        await Fence.DisposeAsync().ConfigureAwait(false);
        await Pools.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
