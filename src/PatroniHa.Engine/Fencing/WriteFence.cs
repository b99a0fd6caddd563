using System.Collections.Concurrent;
using Npgsql;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Fencing;

/// <summary>
/// The one owner of write safety for a backend. A write may run on member L only when
/// <list type="number">
/// <item>the topology names L leader and the session holds a <see cref="LeaderLease"/> on L (L's own Patroni
///   recently confirmed it holds the leader lock) — <see cref="LeaderAsync"/>;</item>
/// <item>it is registered (<see cref="Admit"/>): a leader change breaks it off (<see cref="OnLeaderChanged"/>);</item>
/// <item>L's PostgreSQL answered read-write since the last leader change (<see cref="CheckReadWriteAsync"/>);</item>
/// <item>and it is acknowledged only if the lease on L still held when it finished (<see cref="HeldAtCommit"/>):
///   otherwise it may have committed on a deposed leader, so its outcome is unknown.</item>
/// </list>
/// A <c>-Consistency Strong</c> read passes the same gates (it must not answer for a deposed leader).
/// Single-node mode has no lease (the one server is the writer by configuration).
/// </summary>
public sealed class WriteFence : IAsyncDisposable
{
    /// <summary>How long a write that found no leader (or no lease) waits for a change before trying again.</summary>
    private static readonly TimeSpan WaitForLeader = TimeSpan.FromMilliseconds(100);

    private readonly ClusterBackend _backend;
    private readonly ConcurrentDictionary<WriteTicket, byte> _writes = new();
    // Members a write found read-write, with the epoch of that check (checked again after every leader change).
    private readonly ConcurrentDictionary<string, long> _readWriteAt = new();

    internal WriteFence(ClusterBackend backend, LeaderLease? lease)
    {
        _backend = backend;
        Lease = lease;
    }

    /// <summary>The lease on the leader; null in single-node mode.</summary>
    public LeaderLease? Lease { get; }

    /// <summary>Running writes (tests and health).</summary>
    public int RunningWrites => _writes.Count;

    /// <summary>
    /// Opens a connection to the leader that passed every check of the fence, for work the executor does not
    /// run itself (explicit transactions): dispose it when done; after COMMIT check <see cref="FencedConnection.StillLeader"/>.
    /// One attempt: while there is no confirmed leader it waits a moment and throws a retryable failure, so a
    /// caller retries within its failover timeout as <see cref="QueryExecutor"/> does.
    /// </summary>
    internal async Task<FencedConnection> OpenAsync(string? database, CancellationToken ct)
    {
        RouteTarget target = await LeaderAsync(ct).ConfigureAwait(false);
        WriteTicket ticket = Admit(target);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ticket.Token);
        NpgsqlConnection? connection = null;
        try
        {
            try
            {
                connection = await _backend.DataSource(target, database).OpenConnectionAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (FailureClassifier.Classify(ex, sent: false, ct) == FailureClass.NotSent)
            {
                _backend.ReportFailure(target);
                await _backend.WaitForChangeAsync(WaitForLeader, ct).ConfigureAwait(false);
                throw new RetryableFailure(target, ex.Message, ex) { Waited = true };
            }
            await CheckReadWriteAsync(target, connection, linked.Token, ct).ConfigureAwait(false);
            return new FencedConnection(this, target, connection, ticket, linked);
        }
        catch
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
            ticket.Dispose();
            linked.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The member a write may go to now: the leader, while the session holds its lease. Otherwise waits a moment
    /// for the topology or the lease to change and throws a retryable failure that says why.
    /// </summary>
    internal async ValueTask<RouteTarget> LeaderAsync(CancellationToken ct)
    {
        if (_backend.Writer is not { } writer)
        {
            await _backend.WaitForChangeAsync(WaitForLeader, ct).ConfigureAwait(false);
            throw new RetryableFailure(null, "No primary node found in cluster") { Waited = true };
        }
        if (Lease is null || Lease.Holds(writer.Name))
            return writer;
        await Task.WhenAny(Lease.WaitForRenewalAsync(WaitForLeader, ct), _backend.WaitForChangeAsync(WaitForLeader, ct))
            .ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        throw new RetryableFailure(writer, Lease.Why(writer.Name)) { Waited = true, Unconfirmed = true };
    }

    /// <summary>
    /// Registers a write about to run on <paramref name="target"/>, before it opens a connection: a leader
    /// change from now on aborts it; one that came just before is caught here.
    /// </summary>
    internal WriteTicket Admit(RouteTarget target)
    {
        var ticket = new WriteTicket(this, target.Name);
        _writes.TryAdd(ticket, 0);
        if (_backend.Writer?.Name == target.Name && HeldAtCommit(target))
            return ticket;
        ticket.Dispose();
        throw new RetryableFailure(target, $"{target} stopped being the leader");
    }

    /// <summary>
    /// After any leader change, checks once that the leader's PostgreSQL is really read-write (Patroni names the
    /// leader a moment before promotion finishes).
    /// </summary>
    internal async ValueTask CheckReadWriteAsync(RouteTarget target, NpgsqlConnection connection,
        CancellationToken token, CancellationToken callerToken)
    {
        long epoch = _backend.Epoch;
        if (_readWriteAt.TryGetValue(target.Name, out long verified) && verified == epoch)
            return;
        bool readWrite;
        try
        {
            readWrite = await StatementRunner.IsReadWriteAsync(connection, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (FailureClassifier.Classify(ex, sent: false, callerToken) == FailureClass.NotSent)
        {
            _backend.ReportFailure(target);
            throw new RetryableFailure(target, ex.Message, ex);
        }
        if (!readWrite)
        {
            _readWriteAt.TryRemove(target.Name, out _);
            throw new RetryableFailure(target, $"{target} is still in recovery (not yet promoted)");
        }
        _readWriteAt[target.Name] = epoch;
    }

    /// <summary>
    /// True when a write that just finished on <paramref name="target"/> can be acknowledged: the lease on it
    /// still holds, so it was the only leader when the write committed.
    /// </summary>
    internal bool HeldAtCommit(RouteTarget target) => Lease is null || Lease.Holds(target.Name);

    /// <summary>The leader moved: writes elsewhere are broken off, and the new leader's lease is asked for at once.</summary>
    internal void OnLeaderChanged(string newLeader)
    {
        AbortWrites(member => member != newLeader);
        Lease?.RenewNow();
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

    internal void Release(WriteTicket ticket) => _writes.TryRemove(ticket, out _);

    public ValueTask DisposeAsync() => Lease?.DisposeAsync() ?? ValueTask.CompletedTask;
}
