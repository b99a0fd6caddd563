using System.Diagnostics;
using Npgsql;
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

    /// <summary>How often a write re-checks its server is read-write while the topology is unconfirmed.</summary>
    private static readonly TimeSpan UnconfirmedRecheck = TimeSpan.FromSeconds(1);

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
        ResilienceContext context = ResilienceContextPool.Shared.Get(ct);
        TimeSpan timeout = backend.Options.FailoverTimeout;
        context.Properties.Set(DeadlineKey, Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        try
        {
            ResiliencePipeline pipeline = request.ReadOnly ? _readPipeline : _writePipeline;
            QueryResult result = await pipeline.ExecuteAsync(
                static (ctx, state) => state.Executor.RunOnceAsync(state.Attempt, ctx.CancellationToken),
                context, (Executor: this, Attempt: attempt)).ConfigureAwait(false);
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
            throw QueryErrors.GaveUp(last, !request.ReadOnly, timeout);
        }
        catch
        {
            if (request.CountInStatistics && !ct.IsCancellationRequested)
                _stats.CountError();
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<QueryResult> RunOnceAsync(Attempt a, CancellationToken ct)
    {
        a.Count++;
        if (a.Request.ReadOnly)
            return await RunOnAsync(a, await _reads.ChooseAsync(a.Backend, a.Request, ct).ConfigureAwait(false), null, ct)
                .ConfigureAwait(false);

        RouteTarget target = await CurrentWriterAsync(a.Backend, ct).ConfigureAwait(false);
        // The write is registered before it opens a connection, so a leader change from now on aborts it;
        // a change that came just before is caught by the check below.
        using ClusterBackend.WriteTicket ticket = a.Backend.TrackWrite(target);
        if (a.Backend.Writer?.Name != target.Name)
            throw new RetryableFailure(target, $"{target} stopped being the leader");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ticket.Token);
        return await RunOnAsync(a, target, ticket, linked.Token, ct).ConfigureAwait(false);
    }

    private ValueTask<QueryResult> RunOnAsync(Attempt a, RouteTarget target, ClusterBackend.WriteTicket? ticket,
        CancellationToken ct) => RunOnAsync(a, target, ticket, ct, ct);

    /// <param name="token">Cancels the statement: the caller's token, plus the leader-change abort for writes.</param>
    /// <param name="callerToken">The caller's own token: only its cancellation counts as "cancelled".</param>
    private async ValueTask<QueryResult> RunOnAsync(Attempt a, RouteTarget target, ClusterBackend.WriteTicket? ticket,
        CancellationToken token, CancellationToken callerToken)
    {
        NpgsqlConnection connection = await OpenAsync(a, target, token, callerToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!a.Request.ReadOnly)
                await FenceAsync(a.Backend, target, connection, token, callerToken).ConfigureAwait(false);

            a.Sent = false;
            try
            {
                (object? value, CommitPosition? commit) = await RunStatementAsync(a, target, connection, token).ConfigureAwait(false);
                if (!a.Request.ReadOnly)
                    a.Backend.ReportWriteSucceeded(target);
                return new QueryResult(target, value, a.Count) { CommitPosition = commit };
            }
            catch (Exception ex) when (ex is not RetryableFailure)
            {
                if (FailureClassifier.SignalsRoleChange(ex) || ticket?.Aborted == true)
                    a.Backend.ReportFailure(target);
                throw Decide(a, target, FailureClassifier.Classify(ex, a.Sent, callerToken), ex, ticket?.Aborted == true);
            }
        }
    }

    private static Exception Decide(Attempt a, RouteTarget target, FailureClass failure, Exception ex, bool demoted = false)
    {
        bool mayRunAgain = a.Request.ReadOnly || a.Request.Idempotent;
        return failure switch
        {
            FailureClass.NotSent when !a.RowsDelivered => new RetryableFailure(target, ex.Message, ex),
            FailureClass.OutcomeUnknown when mayRunAgain && !a.RowsDelivered => new RetryableFailure(target, ex.Message, ex),
            FailureClass.OutcomeUnknown or FailureClass.NotSent when !a.Request.ReadOnly => QueryErrors.OutcomeUnknown(target, a.Request, ex, demoted),
            FailureClass.OutcomeUnknown or FailureClass.NotSent => QueryErrors.GaveUp(new RetryableFailure(target, ex.Message, ex), false, TimeSpan.Zero),
            FailureClass.Configuration => QueryErrors.Configuration(target, ex),
            FailureClass.Canceled => QueryErrors.Canceled(a.Request, ex),
            _ => QueryErrors.Rejected(target, a.Request, ex),
        };
    }

    private static async Task<RouteTarget> CurrentWriterAsync(ClusterBackend backend, CancellationToken ct)
    {
        if (backend.Writer is { } writer)
            return writer;
        await backend.WaitForChangeAsync(WaitForLeader, ct).ConfigureAwait(false);
        throw new RetryableFailure(null, "No primary node found in cluster") { Waited = true };
    }

    /// <summary>Runs the statement; a write on a Patroni cluster also learns its commit position (read-your-writes).</summary>
    private async Task<(object? Value, CommitPosition? Commit)> RunStatementAsync(Attempt a, RouteTarget target,
        NpgsqlConnection connection, CancellationToken token)
    {
        if (a.Request.ReadOnly)
            return (await StatementRunner.RunAsync(connection, a.Request, a.Sink, a, token).ConfigureAwait(false), null);
        if (!_reads.CapturesCommits(a.Backend))
        {
            _reads.RecordUncapturedWrite();
            return (await StatementRunner.RunAsync(connection, a.Request, a.Sink, a, token).ConfigureAwait(false), null);
        }
        var (value, lsn, extraRoundTrip) = await CommitLsnStatement.RunAsync(connection, a.Request, a.Sink, a, token)
            .ConfigureAwait(false);
        return (value, lsn is { } l ? _reads.RecordCommit(a.Backend, target, l, extraRoundTrip) : null);
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

    /// <summary>
    /// After any leader change, check once that the server we write to is really read-write; while the REST
    /// API is unreachable (a leader change could go unseen) check again at least every
    /// <see cref="UnconfirmedRecheck"/>.
    /// </summary>
    private async Task FenceAsync(ClusterBackend backend, RouteTarget target, NpgsqlConnection connection,
        CancellationToken token, CancellationToken callerToken)
    {
        long epoch = backend.Epoch;
        if (backend.VerifiedWriters.TryGetValue(target.Name, out var verified) && verified.Epoch == epoch &&
            (!backend.TopologyUnconfirmed || Stopwatch.GetElapsedTime(verified.At) < UnconfirmedRecheck))
            return;
        bool readWrite;
        try
        {
            readWrite = await StatementRunner.IsReadWriteAsync(connection, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (FailureClassifier.Classify(ex, sent: false, callerToken) == FailureClass.NotSent)
        {
            backend.ReportFailure(target);
            throw new RetryableFailure(target, ex.Message, ex);
        }
        if (!readWrite)
        {
            // Patroni names the leader a moment before promotion finishes: retry shortly, no alarm.
            backend.VerifiedWriters.TryRemove(target.Name, out _);
            throw new RetryableFailure(target, $"{target} is still in recovery (not yet promoted)");
        }
        backend.VerifiedWriters[target.Name] = (epoch, Stopwatch.GetTimestamp());
    }

    /// <summary>One statement's journey through the retries (also its progress sink: no closures per attempt).</summary>
    private sealed class Attempt(ClusterBackend backend, QueryRequest request, IRowSink? sink) : IStatementProgress
    {
        public ClusterBackend Backend { get; } = backend;
        public QueryRequest Request { get; } = request;
        public IRowSink? Sink { get; } = sink;
        public int Count { get; set; }

        /// <summary>The current attempt's statement went to the server.</summary>
        public bool Sent { get; set; }

        /// <summary>A row reached the caller (in any attempt): the statement can no longer move elsewhere.</summary>
        public bool RowsDelivered { get; private set; }

        void IStatementProgress.OnSent() => Sent = true;

        void IStatementProgress.OnFirstRow() => RowsDelivered = true;
    }
}
