using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

public enum WriteOutcome { Acknowledged, OutcomeUnknown, Failed, Duplicate }

public sealed record WriteRecord(long Seq, WriteOutcome Outcome, string? Server, double StartMs, double EndMs, string? Error);

public sealed record ReadRecord(bool Ok, string? Server, double StartMs, double EndMs, string? Error);

/// <summary>
/// Continuous writes and reads through one session: a writer inserting numbered rows into a probe table
/// (PRIMARY KEY on the number, so a replay shows as a duplicate key), optionally a second writer whose inserts
/// are marked idempotent, and a reader. Bounded in count and time.
/// </summary>
public sealed class ProbeWorkload : IAsyncDisposable
{
    private const int MaxWrites = 50_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(5);

    private readonly ClusterSession _session;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private readonly List<Task> _tasks = [];

    public ProbeWorkload(ClusterSession session, string table, bool withIdempotentWriter = false)
    {
        _session = session;
        Table = table;
        IdempotentTable = withIdempotentWriter ? table + "_idem" : null;
    }

    public string Table { get; }
    public string? IdempotentTable { get; }

    public ConcurrentQueue<WriteRecord> Writes { get; } = new();
    public ConcurrentQueue<WriteRecord> IdempotentWrites { get; } = new();
    public ConcurrentQueue<ReadRecord> Reads { get; } = new();

    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    public static ClusterOptions Options(SandboxCluster cluster) => new()
    {
        Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = cluster.Superuser,
        HealthCheckInterval = TimeSpan.FromSeconds(1),
        FailoverTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    };

    public async Task StartAsync()
    {
        foreach (string t in new[] { Table, IdempotentTable }.OfType<string>())
        {
            await _session.ExecuteAsync(new QueryRequest(
                $"DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (seq bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
            { Shape = QueryShape.NonQuery }, null, CancellationToken.None);
        }
        _clock.Start();
        _tasks.Add(Task.Run(() => WriterAsync(Table, idempotent: false, Writes)));
        if (IdempotentTable is not null)
            _tasks.Add(Task.Run(() => WriterAsync(IdempotentTable, idempotent: true, IdempotentWrites)));
        _tasks.Add(Task.Run(ReaderAsync));
    }

    /// <summary>Waits until <paramref name="count"/> writes were acknowledged by <paramref name="server"/> after now.</summary>
    public async Task WaitForAcknowledgedWritesAsync(Func<string, bool> server, int count, TimeSpan timeout)
    {
        double from = NowMs;
        var sw = Stopwatch.StartNew();
        while (Writes.Count(w => w.Outcome == WriteOutcome.Acknowledged && w.StartMs >= from && server(w.Server!)) < count)
        {
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"Fewer than {count} writes acknowledged within {timeout.TotalSeconds:0} s; last: " +
                                           string.Join(" | ", Writes.TakeLast(3)));
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_tasks);
        _clock.Stop();
    }

    private async Task WriterAsync(string table, bool idempotent, ConcurrentQueue<WriteRecord> log)
    {
        string sql = idempotent
            ? $"INSERT INTO {table} (seq) VALUES (@seq) ON CONFLICT (seq) DO NOTHING"
            : $"INSERT INTO {table} (seq) VALUES (@seq)";
        for (long seq = 1; seq <= MaxWrites && !_stop.IsCancellationRequested && _clock.Elapsed < MaxDuration; seq++)
        {
            double start = NowMs;
            try
            {
                QueryResult r = await _session.ExecuteAsync(new QueryRequest(sql)
                {
                    Parameters = new Dictionary<string, object?> { ["seq"] = seq },
                    Shape = QueryShape.NonQuery,
                    Idempotent = idempotent,
                }, null, CancellationToken.None);
                log.Enqueue(new WriteRecord(seq, WriteOutcome.Acknowledged, r.Server.Name, start, NowMs, null));
            }
            catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.CommitOutcomeUnknown)
            {
                log.Enqueue(new WriteRecord(seq, WriteOutcome.OutcomeUnknown, null, start, NowMs, e.Message));
            }
            catch (PatroniHaException e) when (e.InnerException is PostgresException { SqlState: "23505" })
            {
                log.Enqueue(new WriteRecord(seq, WriteOutcome.Duplicate, null, start, NowMs, e.Message));
            }
            catch (Exception e)
            {
                log.Enqueue(new WriteRecord(seq, WriteOutcome.Failed, null, start, NowMs, $"{e.GetType().Name}: {e.Message}"));
            }
            try { await Task.Delay(Pace, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    private async Task ReaderAsync()
    {
        var request = new QueryRequest($"SELECT max(seq) FROM {Table}") { ReadOnly = true, Shape = QueryShape.Scalar };
        while (!_stop.IsCancellationRequested && _clock.Elapsed < MaxDuration && Reads.Count < MaxWrites)
        {
            double start = NowMs;
            try
            {
                QueryResult r = await _session.ExecuteAsync(request, null, CancellationToken.None);
                Reads.Enqueue(new ReadRecord(true, r.Server.Name, start, NowMs, null));
            }
            catch (Exception e)
            {
                Reads.Enqueue(new ReadRecord(false, null, start, NowMs, $"{e.GetType().Name}: {e.Message}"));
            }
            try { await Task.Delay(Pace, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>The longest stretch without a write acknowledgement (between two acknowledged writes' ends).</summary>
    public (double From, double To) LongestWriteGap() => LongestGap(
        Writes.Where(w => w.Outcome == WriteOutcome.Acknowledged).Select(w => w.EndMs));

    public (double From, double To) LongestReadGap() => LongestGap(Reads.Where(r => r.Ok).Select(r => r.EndMs));

    private static (double, double) LongestGap(IEnumerable<double> ends)
    {
        double[] t = ends.Order().ToArray();
        (double, double) best = (0, 0);
        for (int i = 1; i < t.Length; i++)
        {
            if (t[i] - t[i - 1] > best.Item2 - best.Item1)
                best = (t[i - 1], t[i]);
        }
        return best;
    }

    /// <summary>Reads the probe table back on <paramref name="leader"/> and checks every write against it.</summary>
    public async Task<Verdict> VerifyAsync(SandboxCluster cluster, SandboxMember leader, string? table = null,
        IEnumerable<WriteRecord>? writes = null)
    {
        table ??= Table;
        var log = (writes ?? Writes).ToList();
        var present = new HashSet<long>();
        await using (var connection = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"SELECT seq FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                present.Add(reader.GetInt64(0));
        }
        var acked = log.Where(w => w.Outcome == WriteOutcome.Acknowledged).Select(w => w.Seq).ToList();
        var unknown = log.Where(w => w.Outcome == WriteOutcome.OutcomeUnknown).ToList();
        return new Verdict(
            Acknowledged: acked.Count,
            Lost: acked.Where(s => !present.Contains(s)).ToList(),
            Duplicated: log.Where(w => w.Outcome == WriteOutcome.Duplicate).ToList(),
            // A write reported failed (not "outcome unknown") must not have committed.
            Phantom: log.Where(w => w.Outcome == WriteOutcome.Failed && present.Contains(w.Seq)).ToList(),
            Failed: log.Where(w => w.Outcome == WriteOutcome.Failed).ToList(),
            Unknown: unknown,
            UnknownCommitted: unknown.Count(w => present.Contains(w.Seq)));
    }

    public string Describe(Verdict v)
    {
        var sb = new StringBuilder();
        var (wf, wt) = LongestWriteGap();
        var (rf, rt) = LongestReadGap();
        sb.AppendLine($"writes: {Writes.Count} attempted, {v.Acknowledged} acknowledged, {v.Unknown.Count} outcome unknown " +
                      $"({v.UnknownCommitted} of them committed), {v.Failed.Count} failed, {v.Duplicated.Count} duplicate, " +
                      $"{v.Lost.Count} lost, {v.Phantom.Count} phantom");
        sb.AppendLine($"longest write gap: {wt - wf:0} ms ({wf:0} → {wt:0}); longest read gap: {rt - rf:0} ms ({rf:0} → {rt:0}); " +
                      $"reads: {Reads.Count(r => r.Ok)} ok, {Reads.Count(r => !r.Ok)} failed; " +
                      $"reads ok during the write gap: {ReadsOkBetween(wf, wt)}");
        foreach (var w in v.Unknown.Take(5)) sb.AppendLine($"  unknown #{w.Seq} at {w.StartMs:0} ms: {w.Error}");
        foreach (var w in v.Failed.Take(5)) sb.AppendLine($"  failed #{w.Seq} at {w.StartMs:0} ms: {w.Error}");
        foreach (var r in Reads.Where(r => !r.Ok).Take(5)) sb.AppendLine($"  read failed at {r.StartMs:0} ms: {r.Error}");
        if (IdempotentTable is not null)
        {
            sb.AppendLine($"idempotent writes: {IdempotentWrites.Count(w => w.Outcome == WriteOutcome.Acknowledged)} acknowledged, " +
                          $"{IdempotentWrites.Count(w => w.Outcome != WriteOutcome.Acknowledged)} not");
        }
        return sb.ToString();
    }

    public int ReadsOkBetween(double from, double to) => Reads.Count(r => r.Ok && r.EndMs > from && r.EndMs < to);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }
}

public sealed record Verdict(
    int Acknowledged,
    IReadOnlyList<long> Lost,
    IReadOnlyList<WriteRecord> Duplicated,
    IReadOnlyList<WriteRecord> Phantom,
    IReadOnlyList<WriteRecord> Failed,
    IReadOnlyList<WriteRecord> Unknown,
    int UnknownCommitted)
{
    /// <summary>No acknowledged write lost, none replayed, no failed write that committed anyway.</summary>
    public void AssertSafe(string description)
    {
        Assert.True(Lost.Count == 0, $"acknowledged writes lost: {string.Join(",", Lost.Take(20))}\n{description}");
        Assert.True(Duplicated.Count == 0, $"writes replayed: {string.Join(",", Duplicated.Select(d => d.Seq))}\n{description}");
        Assert.True(Phantom.Count == 0, $"writes reported failed but committed: {string.Join(",", Phantom.Select(d => d.Seq))}\n{description}");
        Assert.True(Acknowledged > 0, description);
    }
}
