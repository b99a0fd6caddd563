using Npgsql;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Fencing;

/// <summary>
/// A connection to the leader that passed the write fence (<see cref="WriteFence.OpenAsync"/>). Use
/// <see cref="Token"/> for every command: it is cancelled when the leader changes. After COMMIT returns,
/// <see cref="StillLeader"/> false means the commit may have landed on a deposed leader: report it as
/// outcome-unknown, never as done.
/// </summary>
public sealed class FencedConnection : IAsyncDisposable
{
    private readonly WriteFence _fence;
    private readonly WriteTicket _ticket;
    private readonly CancellationTokenSource _linked;

    internal FencedConnection(WriteFence fence, RouteTarget leader, NpgsqlConnection connection, WriteTicket ticket,
        CancellationTokenSource linked)
    {
        _fence = fence;
        Leader = leader;
        Connection = connection;
        _ticket = ticket;
        _linked = linked;
    }

    public RouteTarget Leader { get; }

    public NpgsqlConnection Connection { get; }

    /// <summary>The caller's token plus the fence's abort (leader changed).</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>The fence broke this write off because the leader moved.</summary>
    public bool Aborted => _ticket.Aborted;

    /// <summary>The lease on <see cref="Leader"/> holds now and the write was not broken off.</summary>
    public bool StillLeader => !_ticket.Aborted && _fence.HeldAtCommit(Leader);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        _ticket.Dispose();
        _linked.Dispose();
    }
}
