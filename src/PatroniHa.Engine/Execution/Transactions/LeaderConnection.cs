using Npgsql;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>
/// One fenced connection to the leader, registered as a running write: <see cref="Token"/> is cancelled when
/// that member loses the leadership (or the caller cancels), which breaks off whatever runs on it.
/// </summary>
internal sealed class LeaderConnection(RouteTarget target, NpgsqlConnection connection,
    ClusterBackend.WriteTicket ticket, CancellationTokenSource linked) : IAsyncDisposable
{
    public RouteTarget Target { get; } = target;
    public NpgsqlConnection Connection { get; } = connection;
    public CancellationToken Token => linked.Token;

    /// <summary>The session broke this connection off because its member stopped being the leader.</summary>
    public bool Demoted => ticket.Aborted;

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        linked.Dispose();
        ticket.Dispose();
    }
}
