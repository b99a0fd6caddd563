namespace PatroniHa.Engine.Fencing;

/// <summary>
/// A write running on <see cref="Member"/>. Its token is cancelled when that member stops being the leader
/// (<see cref="WriteFence.AbortWrites"/>), so a write stuck on a demoted or zombie primary (e.g. waiting for a
/// synchronous standby that was promoted) ends as "outcome unknown" instead of hanging.
/// </summary>
public sealed class WriteTicket : IDisposable
{
    private readonly WriteFence _owner;
    private readonly CancellationTokenSource _abort = new();
    private int _state; // 0 running, 1 aborted, 2 disposed

    internal WriteTicket(WriteFence owner, string member)
    {
        _owner = owner;
        Member = member;
    }

    public string Member { get; }

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
        _owner.Release(this);
        Interlocked.CompareExchange(ref _state, 2, 0);
        // An Abort racing with this sees ObjectDisposedException, which it swallows.
        _abort.Dispose();
    }
}
