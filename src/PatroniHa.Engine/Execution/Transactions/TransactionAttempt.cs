using Npgsql;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>
/// One run of a transaction on one leader connection: BEGIN goes out with the first statement, statements run in
/// order, <see cref="EndAsync"/> commits or rolls back. The first failure dooms the attempt and is remembered, so
/// the verdict ("run it again" or "report this") never depends on what the caller did with the exception. Nothing
/// commits before COMMIT is written: any failure up to then is at worst "run again"; once COMMIT is written only
/// an ERROR answer proves "not committed", and the marker row (when tracked) settles the rest.
/// </summary>
public sealed class TransactionAttempt : IAsyncDisposable
{
    private static readonly HashSet<string> RetryableStates = ["40001", "40P01", "25006"];

    private readonly QueryExecutor _executor;
    private readonly ClusterBackend _backend;
    private readonly FencedConnection _leader;
    private readonly TransactionOptions _options;
    private readonly CommitMarkers? _markers;
    private readonly SessionEventLog _events;
    private readonly Action _onDispose;
    private PatroniHaException? _failure;
    private bool _retryable;
    private bool _begun;
    private bool _finished;
    private int _busy;

    private TransactionAttempt(QueryExecutor executor, ClusterBackend backend, FencedConnection leader,
        TransactionOptions options, CommitMarkers? markers, SessionEventLog events, int number, Action onDispose)
    {
        _executor = executor;
        _backend = backend;
        _leader = leader;
        _options = options;
        _markers = markers;
        _events = events;
        Number = number;
        _onDispose = onDispose;
    }

    /// <summary>1 for the first run, 2 for the first re-run …</summary>
    public int Number { get; }

    public RouteTarget Server => _leader.Leader;

    /// <summary>The marker written with COMMIT (tracked sessions), once COMMIT was sent.</summary>
    public Guid? Marker { get; private set; }

    internal static async Task<TransactionAttempt> OpenAsync(QueryExecutor executor, ClusterBackend backend,
        TransactionOptions options, CommitMarkers? markers, SessionEventLog events, int number, Action onDispose,
        CancellationToken ct)
    {
        FencedConnection leader = await executor.OpenLeaderAsync(backend,
            new QueryRequest(options.BeginSql) { Database = options.Database }, ct).ConfigureAwait(false);
        return new TransactionAttempt(executor, backend, leader, options, markers, events, number, onDispose);
    }

    /// <summary>Runs one statement inside the transaction (rows go to <paramref name="sink"/> as they are read).</summary>
    public async Task<QueryResult> ExecuteAsync(QueryRequest request, IRowSink? sink, CancellationToken ct)
    {
        if (_finished)
            throw new InvalidOperationException("The transaction attempt has ended.");
        if (_failure is { } first)
            throw TransactionErrors.AlreadyFailed(first, request);
        if (request.Database is { } db && !string.Equals(db, _options.Database ?? _backend.Options.Database, StringComparison.Ordinal))
        {
            throw Fail(new PatroniHaException(PatroniErrorIds.QueryFailed, FailureKind.InvalidArgument,
                $"A statement inside a transaction runs in the transaction's database ({_options.Database ?? _backend.Options.Database}); " +
                $"-Database {db} was given. Pass -Database to Invoke-PatroniTransaction instead. The transaction was rolled back.",
                request.Summary), retryable: false);
        }
        if (TransactionControlGuard.Find(request.Sql) is { } keyword)
            throw Fail(TransactionErrors.ControlRefused(keyword, request), retryable: false);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("A transaction runs one statement at a time.");
        try
        {
            QueryRequest sent = _begun ? request : request with { Sql = _options.BeginSql + ";\n" + request.Sql };
            _begun = true;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _leader.Token);
            try
            {
                object? value = await StatementRunner.RunAsync(_leader.Connection, sent, sink, NoProgress.Instance, linked.Token)
                    .ConfigureAwait(false);
                return new QueryResult(Server, value, Number);
            }
            catch (Exception ex)
            {
                throw FailBeforeCommit(ex, request, ct);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Commits (the block succeeded and nothing failed), or rolls back. Throws the final error when the
    /// transaction failed and may not run again; returns <see cref="TransactionEnd.RunAgain"/> when it provably did
    /// not commit and another attempt is allowed.
    /// </summary>
    public async Task<TransactionEnd> EndAsync(bool blockSucceeded, CancellationToken ct)
    {
        if (_finished)
            throw new InvalidOperationException("The transaction attempt has ended.");
        _finished = true;
        if (_failure is { } failure)
        {
            await RollbackQuietlyAsync().ConfigureAwait(false);
            if (_retryable && Number < _options.MaxAttempts)
                return TransactionEnd.RunAgain;
            throw _retryable ? TransactionErrors.GaveUp(failure, Number) : failure;
        }
        if (!blockSucceeded)
        {
            await RollbackQuietlyAsync().ConfigureAwait(false);
            return TransactionEnd.RolledBack;
        }
        if (!_begun)
            return TransactionEnd.Committed; // nothing was sent: nothing to commit
        return await CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A tracked single statement: BEGIN, the statement, the marker and COMMIT in one round trip. Returns the
    /// statement's result, or null with <see cref="TransactionEnd.RunAgain"/> when the resolver proved it did not
    /// commit and no row of it reached the caller.
    /// </summary>
    internal async Task<(TransactionEnd End, QueryResult? Result)> ExecuteAndCommitAsync(QueryRequest request,
        IRowSink? sink, CancellationToken ct)
    {
        _finished = true;
        _begun = true;
        Guid token = Guid.NewGuid();
        var parameters = new Dictionary<string, object?>(request.Parameters) { [CommitMarkers.TokenParameter] = token };
        QueryRequest sent = request with
        {
            Sql = _options.BeginSql + ";\n" + request.Sql + "\n;" + CommitMarkers.InsertSql + ";\nCOMMIT",
            Parameters = parameters,
        };
        var progress = new RowProgress();
        Marker = token;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _leader.Token);
        try
        {
            object? value = await StatementRunner.RunAsync(_leader.Connection, sent, sink, progress, linked.Token)
                .ConfigureAwait(false);
            ThrowIfUnconfirmedAtCommit();
            _backend.ReportWriteSucceeded(Server);
            // The marker insert counts one affected row: not the caller's.
            if (request.Shape == QueryShape.NonQuery && value is int affected)
                value = affected - 1;
            await PruneIfDueAsync().ConfigureAwait(false);
            return (TransactionEnd.Committed, new QueryResult(Server, value, Number));
        }
        catch (Exception ex)
        {
            ReportIfRoleChange(ex);
            FailureClass failure = ex is UnconfirmedAtCommitException ? FailureClass.OutcomeUnknown : FailureClassifier.Classify(ex, sent: true, ct);
            if (failure == FailureClass.ResultUnreadable)
                throw QueryErrors.ResultUnreadable(Server, request, ex); // the whole batch, COMMIT too, finished
            if (ex is PostgresException { InvariantSeverity: "ERROR" } pg)
            {
                await RollbackQuietlyAsync().ConfigureAwait(false);
                if (pg.SqlState is "25001" or "2D000")
                    throw new CannotRunInTransaction(ex); // VACUUM, CREATE DATABASE, CALL … that commits: run it plainly
                if (pg.SqlState == "25006" && !progress.RowsDelivered && Number < _options.MaxAttempts)
                    return (TransactionEnd.RunAgain, null);
                throw QueryErrors.Rejected(Server, request, ex);
            }
            if (failure == FailureClass.Configuration)
                throw QueryErrors.Configuration(Server, ex);
            if (failure == FailureClass.Canceled)
                throw QueryErrors.Canceled(request, ex);
            if (failure == FailureClass.Disconnected)
                throw QueryErrors.Disconnected(request, ex);
            (CommitOutcome outcome, string? detail) = await CommitOutcomeResolver.ResolveAsync(_executor, _backend,
                _options.Database, token, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case CommitOutcome.Committed:
                    _events.Warning($"The connection to {Server} broke during COMMIT ({QueryErrors.Reason(ex)}); the session " +
                                    $"checked that the write committed ({detail}); its result was lost: '{request.Summary}'.");
                    return (TransactionEnd.Committed, new QueryResult(Server, null, Number));
                case CommitOutcome.NotCommitted when failure == FailureClass.TimedOut:
                    throw TransactionErrors.TimedOut(Server, request, ex, $"the session checked that it did not commit ({detail})");
                case CommitOutcome.NotCommitted when !progress.RowsDelivered && Number < _options.MaxAttempts:
                    _events.Verbose($"The connection to {Server} broke during COMMIT; the write did not commit ({detail}): running it again.");
                    return (TransactionEnd.RunAgain, null);
                case CommitOutcome.NotCommitted:
                    throw TransactionErrors.NotCommitted(Server, request, token);
                default:
                    throw TransactionErrors.OutcomeUnknown(Server, ex, token, detail);
            }
        }
    }

    private async Task<TransactionEnd> CommitAsync(CancellationToken ct)
    {
        Guid? token = _markers is null ? null : Guid.NewGuid();
        Marker = token;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _leader.Token);
        try
        {
            await using var command = new NpgsqlCommand(token is null ? "COMMIT" : CommitMarkers.InsertSql + ";\nCOMMIT",
                _leader.Connection) { CommandTimeout = _options.TimeoutSeconds };
            if (token is { } t)
                command.Parameters.AddWithValue(CommitMarkers.TokenParameter, t);
            await command.ExecuteNonQueryAsync(linked.Token).ConfigureAwait(false);
            ThrowIfUnconfirmedAtCommit();
            _backend.ReportWriteSucceeded(Server);
            await PruneIfDueAsync().ConfigureAwait(false);
            return TransactionEnd.Committed;
        }
        catch (Exception ex)
        {
            ReportIfRoleChange(ex);
            if (ex is PostgresException { InvariantSeverity: "ERROR" } pg)
            {
                // An ERROR answer to COMMIT (or to the marker insert before it): the transaction is gone.
                await RollbackQuietlyAsync().ConfigureAwait(false);
                if (RetryableStates.Contains(pg.SqlState) && Number < _options.MaxAttempts)
                    return TransactionEnd.RunAgain;
                throw TransactionErrors.CommitRejected(Server, ex, Number);
            }
            if (token is not { } marker || ct.IsCancellationRequested)
                throw TransactionErrors.OutcomeUnknown(Server, ex, token, ct.IsCancellationRequested ? "cancelled" : null);
            (CommitOutcome outcome, string? detail) = await CommitOutcomeResolver.ResolveAsync(_executor, _backend,
                _options.Database, marker, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case CommitOutcome.Committed:
                    _events.Warning($"The connection to {Server} broke during COMMIT ({QueryErrors.Reason(ex)}); the session " +
                                    $"checked that the transaction committed ({detail}).");
                    return TransactionEnd.Committed;
                case CommitOutcome.NotCommitted when FailureClassifier.IsStatementTimeout(ex):
                    // COMMIT itself ran past -TimeoutSec (a synchronous standby that does not answer): again would wait again.
                    throw TransactionErrors.TimedOut(Server, new QueryRequest("COMMIT"), ex,
                        $"the session checked that the transaction did not commit ({detail})");
                case CommitOutcome.NotCommitted when Number < _options.MaxAttempts:
                    _events.Verbose($"The connection to {Server} broke during COMMIT; the transaction did not commit ({detail}): running it again.");
                    return TransactionEnd.RunAgain;
                case CommitOutcome.NotCommitted:
                    throw TransactionErrors.GaveUp(new PatroniHaException(PatroniErrorIds.NotCommitted, FailureKind.ConnectionError,
                        $"The connection to {Server} broke during COMMIT; the session checked that the transaction did NOT " +
                        $"commit (marker '{marker}').", Server.ToString(), ex), Number);
                default:
                    throw TransactionErrors.OutcomeUnknown(Server, ex, marker, detail);
            }
        }
    }

    /// <summary>Before COMMIT is written nothing can commit: decide only whether running again can help.</summary>
    private PatroniHaException FailBeforeCommit(Exception ex, QueryRequest request, CancellationToken callerToken)
    {
        ReportIfRoleChange(ex);
        FailureClass failure = FailureClassifier.Classify(ex, sent: true, callerToken);
        return failure switch
        {
            FailureClass.Canceled => Fail(new PatroniHaException(PatroniErrorIds.QueryCanceled, FailureKind.OperationStopped,
                "The transaction was cancelled before COMMIT; it was rolled back and nothing of it committed.", request.Summary, ex), false),
            FailureClass.ResultUnreadable => Fail(TransactionErrors.Unreadable(Server, request, ex), false),
            FailureClass.Configuration => Fail(QueryErrors.Configuration(Server, ex), false),
            FailureClass.Disconnected => Fail(QueryErrors.Disconnected(request, ex), false),
            FailureClass.TimedOut => Fail(TransactionErrors.TimedOut(Server, request, ex, "before COMMIT, so nothing of it committed"), false),
            FailureClass.NotSent or FailureClass.OutcomeUnknown => Fail(TransactionErrors.Interrupted(Server, request, ex, _leader.Aborted), true),
            _ => Fail(TransactionErrors.Rejected(Server, request, ex),
                ex is PostgresException pg && RetryableStates.Contains(pg.SqlState)),
        };
    }

    /// <summary>
    /// A COMMIT is acknowledged only while the lease on its leader holds (Fencing/WriteFence.cs): past it the
    /// member may have been deposed and the commit may be on a timeline the cluster drops. Its outcome is then
    /// settled like a lost answer: by the marker when tracked, else unknown.
    /// </summary>
    private void ThrowIfUnconfirmedAtCommit()
    {
        if (!_leader.StillLeader)
            throw new UnconfirmedAtCommitException(
                _backend.Fence.Lease?.Why(Server.Name) ?? $"{Server} stopped being the leader during COMMIT");
    }

    private PatroniHaException Fail(PatroniHaException error, bool retryable)
    {
        if (_failure is null)
        {
            _failure = error;
            _retryable = retryable;
        }
        return error;
    }

    private void ReportIfRoleChange(Exception ex)
    {
        if (FailureClassifier.SignalsRoleChange(ex) || _leader.Aborted)
            _backend.ReportFailure(Server);
    }

    private async Task RollbackQuietlyAsync()
    {
        if (!_begun || _leader.Connection.FullState.HasFlag(System.Data.ConnectionState.Broken) ||
            _leader.Connection.State != System.Data.ConnectionState.Open)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var command = new NpgsqlCommand("ROLLBACK", _leader.Connection);
            await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A broken connection is never returned to the pool, and its server-side transaction dies with it.
        }
    }

    // Old markers go now and then, on this (healthy, committed) connection: one DELETE every few minutes.
    private async Task PruneIfDueAsync()
    {
        if (_markers?.PruneDue() != true)
            return;
        try
        {
            await using NpgsqlCommand prune = CommitMarkers.PruneCommand(_leader.Connection);
            prune.CommandTimeout = 5;
            await prune.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            _events.Verbose($"Pruning old commit markers failed ({QueryErrors.Reason(ex)}); tried again later.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _finished = true;
            await RollbackQuietlyAsync().ConfigureAwait(false);
        }
        await _leader.DisposeAsync().ConfigureAwait(false);
        _onDispose();
    }

    private sealed class NoProgress : IStatementProgress
    {
        public static readonly NoProgress Instance = new();
        public void OnSent() { }
        public void OnFirstRow() { }
    }

    private sealed class RowProgress : IStatementProgress
    {
        public bool RowsDelivered { get; private set; }
        public void OnSent() { }
        public void OnFirstRow() => RowsDelivered = true;
    }
}

/// <summary>The statement refused to run inside a transaction block (25001, 2D000): nothing ran; run it untracked.</summary>
internal sealed class CannotRunInTransaction(Exception cause) : Exception(cause.Message, cause);

/// <summary>COMMIT returned after the lease on its leader ran out or the leader changed: the outcome must be settled.</summary>
internal sealed class UnconfirmedAtCommitException(string why) : Exception(why);
