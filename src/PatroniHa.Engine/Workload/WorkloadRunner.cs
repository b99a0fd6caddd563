using System.Collections.Concurrent;
using System.Diagnostics;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Workload;

/// <summary>
/// The seed's "Test 4: Load Testing": concurrent workers mix reads and writes through the session (so the
/// figures are what users get, failover handling included) while a sampler counts each server's
/// connections from this application, for the pool-usage figure.
/// </summary>
public static class WorkloadRunner
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(500);
    private const int MaxErrorSamples = 5;

    public static async Task<WorkloadReport> RunAsync(ClusterSession session, WorkloadOptions options,
        Action<string>? progress, CancellationToken ct)
    {
        options.Validate();
        string table = options.Table;
        await Exec(session, $"CREATE TABLE IF NOT EXISTS {table} (id bigserial PRIMARY KEY, worker int NOT NULL, payload text NOT NULL)", ct).ConfigureAwait(false);
        try
        {
            long seed = await Scalar(session, $"SELECT coalesce(max(id), 0) FROM {table}", ct).ConfigureAwait(false);
            var state = new RunState(seed);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stop.CancelAfter(options.Duration);
            var clock = Stopwatch.StartNew();
            progress?.Invoke($"{options.Concurrency} workers for {options.Duration.TotalSeconds:0} s, {options.ReadRatio:P0} reads");

            Task sampler = SampleConnectionsAsync(session, state, stop.Token);
            Task[] workers = Enumerable.Range(1, options.Concurrency)
                .Select(w => Task.Run(() => WorkerAsync(session, options, w, state, stop.Token), CancellationToken.None))
                .ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            clock.Stop();
            ct.ThrowIfCancellationRequested();

            return new WorkloadReport(
                session.Mode.ToString(), clock.Elapsed, options.Concurrency,
                state.Reads, state.Writes, state.Errors,
                LatencyRecorder.Summarize(state.ReadLatencies), LatencyRecorder.Summarize(state.WriteLatencies),
                state.PerServer.ToDictionary(p => p.Key, p => p.Value),
                state.PeakConnections.ToDictionary(p => p.Key, p => p.Value),
                state.ErrorSamples.ToList());
        }
        finally
        {
            // Leave nothing behind, also after Ctrl+C.
            await Exec(session, $"DROP TABLE IF EXISTS {table}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task WorkerAsync(ClusterSession session, WorkloadOptions options, int worker, RunState state, CancellationToken stop)
    {
        var random = new Random(worker);
        var reads = new LatencyRecorder();
        var writes = new LatencyRecorder();
        state.ReadLatencies.Add(reads);
        state.WriteLatencies.Add(writes);
        var write = new QueryRequest($"INSERT INTO {options.Table} (worker, payload) VALUES (@w, @p)") { Shape = QueryShape.NonQuery };
        while (!stop.IsCancellationRequested)
        {
            bool read = random.NextDouble() < options.ReadRatio;
            QueryRequest request = read
                ? new QueryRequest($"SELECT id, payload FROM {options.Table} WHERE id = @id")
                {
                    ReadOnly = true,
                    Shape = QueryShape.Scalar,
                    Parameters = new Dictionary<string, object?> { ["id"] = 1 + random.NextInt64(Math.Max(1, state.Seed + Interlocked.Read(ref state.WritesField))) },
                }
                : write with { Parameters = new Dictionary<string, object?> { ["w"] = worker, ["p"] = $"worker {worker}" } };
            long started = Stopwatch.GetTimestamp();
            try
            {
                QueryResult result = await session.ExecuteAsync(request, null, stop).ConfigureAwait(false);
                (read ? reads : writes).Add(Stopwatch.GetElapsedTime(started));
                state.Count(read, result.Server);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return; // the run ended while this statement was in flight: not an error
            }
            catch (Exception ex)
            {
                state.Fail(ex);
            }
        }
    }

    private static async Task SampleConnectionsAsync(ClusterSession session, RunState state, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<PatroniMember> members = await session.GetTopologyAsync(refresh: false, stop).ConfigureAwait(false);
                foreach (PatroniMember m in members)
                {
                    var target = new RouteTarget(m.Name, m.Host, m.Port, m.IsLeader);
                    int connections = (int)(await StatementRunner.ScalarAsync(session.Backend, target,
                        "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = current_setting('application_name') AND pid <> pg_backend_pid()",
                        stop).ConfigureAwait(false))!;
                    state.PeakConnections.AddOrUpdate(target.ToString(), connections, (_, peak) => Math.Max(peak, connections));
                }
                await Task.Delay(SampleEvery, stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // A member may be away for a moment (failover under load): sample again next time.
                await Task.Delay(SampleEvery, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task Exec(ClusterSession session, string sql, CancellationToken ct) =>
        await session.ExecuteAsync(new QueryRequest(sql) { Shape = QueryShape.NonQuery }, null, ct).ConfigureAwait(false);

    private static async Task<long> Scalar(ClusterSession session, string sql, CancellationToken ct) =>
        Convert.ToInt64((await session.ExecuteAsync(new QueryRequest(sql) { Shape = QueryShape.Scalar }, null, ct).ConfigureAwait(false)).Value);

    /// <summary>Counters shared by the workers.</summary>
    private sealed class RunState(long seed)
    {
        public long Seed { get; } = seed;
        public long ReadsField, WritesField, ErrorsField;
        public ConcurrentBag<LatencyRecorder> ReadLatencies { get; } = [];
        public ConcurrentBag<LatencyRecorder> WriteLatencies { get; } = [];
        public ConcurrentDictionary<string, long> PerServer { get; } = new();
        public ConcurrentDictionary<string, int> PeakConnections { get; } = new();
        public ConcurrentQueue<string> ErrorSamples { get; } = new();

        public long Reads => Interlocked.Read(ref ReadsField);
        public long Writes => Interlocked.Read(ref WritesField);
        public long Errors => Interlocked.Read(ref ErrorsField);

        public void Count(bool read, RouteTarget server)
        {
            Interlocked.Increment(ref read ? ref ReadsField : ref WritesField);
            PerServer.AddOrUpdate(server.ToString(), 1, (_, n) => n + 1);
        }

        public void Fail(Exception ex)
        {
            Interlocked.Increment(ref ErrorsField);
            if (ErrorSamples.Count < MaxErrorSamples)
                ErrorSamples.Enqueue(ex.Message);
        }
    }
}
