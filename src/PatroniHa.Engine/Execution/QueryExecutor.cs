using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Npgsql;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Topology;
using Polly;
using Polly.Retry;

namespace PatroniHa.Engine.Execution;

/// <summary>
/// Runs statements through a backend with the retry rules that keep writes safe:
/// a write that never reached a leader waits for one and runs there once; a write whose outcome is
/// unknown fails with PatroniCommitOutcomeUnknown unless marked idempotent; a read that fails moves to
/// another member as long as no row of it has reached the caller yet.
/// </summary>
public sealed class QueryExecutor
{
    /// <summary>How long a failed write attempt waits for the topology to change before trying again.</summary>
    private static readonly TimeSpan WaitForLeader = TimeSpan.FromMilliseconds(100);

    private static readonly ResiliencePropertyKey<long> DeadlineKey = new("PatroniHa.Deadline");

    private readonly SessionStatistics _stats;
    private readonly ResiliencePipeline _writePipeline;
    private readonly ResiliencePipeline _readPipeline;

    private readonly ReadRouter _reads;

    public QueryExecutor(SessionStatistics stats, ReadRouter? reads = null)
    {
        _stats = stats;
        _reads = reads ?? new ReadRouter();
        _writePipeline = BuildPipeline(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(25));
        _readPipeline = BuildPipeline(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(100));
    }

    // Retry with jittered exponential backoff while the failover timeout (the deadline in the context) lasts.
    private static ResiliencePipeline BuildPipeline(TimeSpan delay, TimeSpan maxDelay) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is RetryableFailure &&
                    Stopwatch.GetTimestamp() < args.Context.Properties.GetValue(DeadlineKey, 0L)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = delay,
                MaxDelay = maxDelay,
                // An attempt that already waited for the monitor (no leader yet, server unreachable) goes again at
                // once: the wait ended because the topology changed, and every millisecond counts after a failover.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Exception is RetryableFailure { Waited: true } ? TimeSpan.Zero : null),
            })
            .Build();

    public async Task<QueryResult> ExecuteAsync(ClusterBackend backend, QueryRequest request, IRowSink? sink,
        CancellationToken ct)
    {
        var attempt = new Attempt(backend, request, sink);
        TimeSpan timeout = backend.Options.FailoverTimeout;
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        try
        {
            QueryResult result;
            try
            {
                // Almost every statement needs one attempt: it runs without the retry pipeline's machinery, which
                // a statement right after PowerShell's parameter binding pays for in cold caches.
                result = await RunOnceAsync(attempt, ct).ConfigureAwait(false);
            }
            catch (RetryableFailure first)
            {
                result = await RetryAsync(attempt, first, deadline, ct).ConfigureAwait(false);
            }
            if (request.CountInStatistics && request.ReadOnly)
                _stats.CountRead();
            else if (request.CountInStatistics)
                _stats.CountWrite();
            return result;
        }
        catch (RetryableFailure last)
        {
            // A statement the caller stopped (Ctrl+C, Select-Object -First) did not fail: not an error.
            if (request.CountInStatistics && !ct.IsCancellationRequested)
                _stats.CountError();
            if (ct.IsCancellationRequested)
                throw QueryErrors.Canceled(request, last);
            // An -Idempotent write run again after an unknown outcome: that earlier run may have committed.
            if (attempt.MayHaveRun)
                throw QueryErrors.GaveUpAfterUnknownOutcome(last, request, timeout);
            throw QueryErrors.GaveUp(last, !request.ReadOnly, timeout);
        }
        catch
        {
            if (request.CountInStatistics && !ct.IsCancellationRequested)
                _stats.CountError();
            throw;
        }
    }

    /// <summary>
    /// The attempts after a first one failed with <paramref name="first"/>: the retry pipeline judges that failure
    /// as if it had run the attempt itself (whether to go again within the deadline, and after what pause).
    /// </summary>
    private async Task<QueryResult> RetryAsync(Attempt attempt, RetryableFailure first, long deadline, CancellationToken ct)
    {
        ResilienceContext context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(DeadlineKey, deadline);
        attempt.Failed = first;
        try
        {
            ResiliencePipeline pipeline = attempt.Request.ReadOnly ? _readPipeline : _writePipeline;
            return await pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    if (state.Attempt.Failed is { } failed)
                    {
                        state.Attempt.Failed = null;
                        ExceptionDispatchInfo.Throw(failed);
                    }
                    return await state.Executor.RunOnceAsync(state.Attempt, ctx.CancellationToken).ConfigureAwait(false);
                },
                context, (Executor: this, Attempt: attempt)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// A connection to the current leader for a transaction, placed, admitted and checked by the write fence
    /// exactly like a single write (<see cref="WriteFence.OpenAsync"/>), retried within the failover timeout while
    /// no confirmed leader takes it. The transaction code's only way in; after COMMIT it checks
    /// <see cref="FencedConnection.StillLeader"/>.
    /// </summary>
    internal async Task<FencedConnection> OpenLeaderAsync(ClusterBackend backend, QueryRequest request,
        CancellationToken ct)
    {
        var attempt = new Attempt(backend, request with { ReadOnly = false }, null);
        ResilienceContext context = ResilienceContextPool.Shared.Get(ct);
        TimeSpan timeout = backend.Options.FailoverTimeout;
        context.Properties.Set(DeadlineKey, Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        try
        {
            return await _writePipeline.ExecuteAsync(
                static async (ctx, a) =>
                {
                    a.Count++;
                    return await a.Backend.Fence.OpenAsync(a.Request.Database, ctx.CancellationToken).ConfigureAwait(false);
                },
                context, attempt).ConfigureAwait(false);
        }
        catch (RetryableFailure last)
        {
            if (ct.IsCancellationRequested)
                throw QueryErrors.Canceled(request, last);
            throw QueryErrors.GaveUp(last, write: true, timeout);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<QueryResult> RunOnceAsync(Attempt a, CancellationToken ct)
    {
        a.Count++;
        a.Blocking = a.Count == 1 && a.Request.BlockingFirstAttempt;
        RouteTarget target;
        if (a.Request.ReadOnly)
        {
            target = await _reads.ChooseAsync(a.Backend, a.Request, ct).ConfigureAwait(false);
            if (!_reads.NeedsConfirmedLeader(a.Backend, a.Request))
                return await RunOnAsync(a, target, null, ct).ConfigureAwait(false);
        }
        else
        {
            // The write fence (Fencing/WriteFence.cs) decides where a write may go and when it may be acknowledged.
            target = await a.Backend.Fence.LeaderAsync(ct).ConfigureAwait(false);
        }
        using WriteTicket ticket = a.Backend.Fence.Admit(target);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ticket.Token);
        return await RunOnAsync(a, target, ticket, linked.Token, ct).ConfigureAwait(false);
    }

    private ValueTask<QueryResult> RunOnAsync(Attempt a, RouteTarget target, WriteTicket? ticket,
        CancellationToken ct) => RunOnAsync(a, target, ticket, ct, ct);

    /// <param name="token">Cancels the statement: the caller's token, plus the leader-change abort for writes.</param>
    /// <param name="callerToken">The caller's own token: only its cancellation counts as "cancelled".</param>
    private async ValueTask<QueryResult> RunOnAsync(Attempt a, RouteTarget target, WriteTicket? ticket,
        CancellationToken token, CancellationToken callerToken)
    {
        NpgsqlConnection connection = await OpenAsync(a, target, token, callerToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Writes and Strong reads (those with a ticket): Patroni names the leader a moment before its
            // promotion finishes, and a Strong read there could miss writes the old leader acknowledged.
            if (ticket is not null)
                await a.Backend.Fence.CheckReadWriteAsync(target, connection, token, callerToken).ConfigureAwait(false);

            a.Sent = false;
            object? value;
            Lsn? lsn;
            bool extraRoundTrip;
            try
            {
                (value, lsn, extraRoundTrip) = await RunStatementAsync(a, connection, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not RetryableFailure)
            {
                // A write that reached the server may have committed: read-your-writes cannot trust its old position.
                if (a.Sent && !a.Request.ReadOnly)
                    _reads.RecordUncapturedWrite();
                FailureClass failure = FailureClassifier.Classify(ex, a.Sent, callerToken);
                if (FailureClassifier.SignalsRoleChange(ex) || ticket?.Aborted == true)
                    a.Backend.ReportFailure(target);
                else if (failure == FailureClass.TimedOut)
                    a.Backend.ReportTimeout(target); // a slow statement, or a server that stopped answering
                if (failure == FailureClass.OutcomeUnknown && !a.Request.ReadOnly)
                    a.MayHaveRun = true;
                if (a.Request.ReadOnly && ticket?.Aborted == true && a.RowsDelivered)
                    throw QueryErrors.StrongReadUnconfirmed(target, a.Request, StoppedLeading(target));
                throw Decide(a, target, failure, ex, ticket?.Aborted == true);
            }
            if (ticket is not null)
            {
                // Acknowledged only while the lease still holds: past it, this may have been a deposed leader.
                // Nor after the fence aborted it: a cancelled COMMIT that waited for a synchronous standby still
                // answers success (with a WARNING), and Npgsql does not always break the connection first.
                bool held = a.Backend.Fence.HeldAtCommit(target);
                if (!held || ticket.Aborted)
                {
                    string why = held ? StoppedLeading(target) : a.Backend.Fence.Lease!.Why(target.Name);
                    if (a.Request.ReadOnly) // a Strong read: its answer may miss what a newer leader acknowledged
                    {
                        throw a.RowsDelivered
                            ? QueryErrors.StrongReadUnconfirmed(target, a.Request, why)
                            : new RetryableFailure(target, why) { Unconfirmed = true };
                    }
                    _reads.RecordUncapturedWrite(); // it may have committed: its position is unknown
                    a.MayHaveRun = true;
                    throw a.Request.Idempotent && !a.RowsDelivered
                        ? new RetryableFailure(target, why) { Unconfirmed = true }
                        : QueryErrors.UnconfirmedAtCommit(target, a.Request, why);
                }
                if (!a.Request.ReadOnly)
                    a.Backend.ReportWriteSucceeded(target);
            }
            CommitPosition? commit = lsn is { } l ? _reads.RecordCommit(a.Backend, target, l, extraRoundTrip) : null;
            if (commit is null && !a.Request.ReadOnly)
                _reads.RecordUncapturedWrite(); // its position could not be learned (a trailer that failed)
            return new QueryResult(target, value, a.Count) { CommitPosition = commit };
        }
    }

    private static string StoppedLeading(RouteTarget target) => $"{target} stopped being the leader while it ran";

    private static Exception Decide(Attempt a, RouteTarget target, FailureClass failure, Exception ex, bool demoted = false) =>
        Decide(a.Request, a.RowsDelivered, target, failure, ex, demoted);

    /// <summary>
    /// The decision table: what a failed attempt becomes. Retryable (the pipeline tries again, elsewhere if the
    /// leader moved) only when the statement provably did not run — or may run twice (reads, -Idempotent) and
    /// no row reached the caller; a write that may have committed is reported, never replayed.
    /// </summary>
    internal static Exception Decide(QueryRequest request, bool rowsDelivered, RouteTarget target, FailureClass failure,
        Exception ex, bool demoted = false)
    {
        bool mayRunAgain = request.ReadOnly || request.Idempotent;
        return failure switch
        {
            // Run again, it would only time out again; a write may have committed in its last moment.
            FailureClass.TimedOut when request.ReadOnly => QueryErrors.TimedOut(target, request, ex),
            FailureClass.TimedOut => QueryErrors.OutcomeUnknown(target, request, ex, timedOut: true),
            FailureClass.NotSent when !rowsDelivered => new RetryableFailure(target, ex.Message, ex),
            FailureClass.OutcomeUnknown when mayRunAgain && !rowsDelivered => new RetryableFailure(target, ex.Message, ex),
            FailureClass.OutcomeUnknown or FailureClass.NotSent when !request.ReadOnly => QueryErrors.OutcomeUnknown(target, request, ex, demoted),
            FailureClass.OutcomeUnknown or FailureClass.NotSent => QueryErrors.GaveUp(new RetryableFailure(target, ex.Message, ex), false, TimeSpan.Zero),
            FailureClass.Configuration => QueryErrors.Configuration(target, ex),
            FailureClass.Canceled => QueryErrors.Canceled(request, ex),
            FailureClass.ResultUnreadable => QueryErrors.ResultUnreadable(target, request, ex),
            FailureClass.Disconnected => QueryErrors.Disconnected(request, ex),
            _ => QueryErrors.Rejected(target, request, ex),
        };
    }

    /// <summary>Runs the statement; a write on a Patroni cluster also learns its commit position when read-your-writes is in use.</summary>
    private async Task<(object? Value, Lsn? CommitLsn, bool ExtraRoundTrip)> RunStatementAsync(Attempt a,
        NpgsqlConnection connection, CancellationToken token)
    {
        if (a.Request.ReadOnly)
            return (await StatementRunner.RunAsync(connection, a.Request, a.Sink, a, token, async: !a.Blocking).ConfigureAwait(false), null, false);
        if (!_reads.CapturesCommits(a.Backend))
        {
            _reads.RecordUncapturedWrite();
            return (await StatementRunner.RunAsync(connection, a.Request, a.Sink, a, token, async: !a.Blocking).ConfigureAwait(false), null, false);
        }
        return await CommitLsnStatement.RunAsync(connection, a.Request, a.Sink, a, token).ConfigureAwait(false);
    }

    private static async Task<NpgsqlConnection> OpenAsync(Attempt a, RouteTarget target, CancellationToken token,
        CancellationToken callerToken)
    {
        try
        {
            return await a.Backend.DataSource(target, a.Request.Database).OpenConnectionAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FailureClass failure = FailureClassifier.Classify(ex, sent: false, callerToken);
            if (failure != FailureClass.NotSent)
                throw Decide(a, target, failure, ex);
            a.Backend.ReportFailure(target);
            if (!a.Request.ReadOnly)
                await a.Backend.WaitForChangeAsync(WaitForLeader, callerToken).ConfigureAwait(false);
            throw new RetryableFailure(target, ex.Message, ex) { Waited = !a.Request.ReadOnly };
        }
    }

    /// <summary>One statement's journey through the retries (also its progress sink: no closures per attempt).</summary>
    private sealed class Attempt(ClusterBackend backend, QueryRequest request, IRowSink? sink) : IStatementProgress
    {
        public ClusterBackend Backend { get; } = backend;
        public QueryRequest Request { get; } = request;
        public IRowSink? Sink { get; } = sink;
        public int Count { get; set; }

        /// <summary>This attempt runs the statement with Npgsql's blocking calls (<see cref="QueryRequest.BlockingFirstAttempt"/>).</summary>
        public bool Blocking { get; set; }

        /// <summary>The first attempt's failure, until the retry pipeline has judged it.</summary>
        public RetryableFailure? Failed { get; set; }

        /// <summary>The current attempt's statement went to the server.</summary>
        public bool Sent { get; set; }

        /// <summary>An earlier attempt of this write may have committed (its outcome was unknown, or it finished outside the lease).</summary>
        public bool MayHaveRun { get; set; }

        /// <summary>A row reached the caller (in any attempt): the statement can no longer move elsewhere.</summary>
        public bool RowsDelivered { get; private set; }

        void IStatementProgress.OnSent() => Sent = true;

        void IStatementProgress.OnFirstRow() => RowsDelivered = true;
    }
}
