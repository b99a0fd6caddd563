using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>One measured failover. Times are milliseconds; client and topology times are relative to
/// the moment the probe saw the new leader accept a write (negative: before it).</summary>
internal sealed record RunResult(int Run, string OldLeader, string NewLeader, double KillToWritableMs,
    double? PatroniHaMs, double? NpgsqlMs, double? TopologyMs, int ProbeAttempts, double ProbeAttemptMs,
    ClientCheck PatroniHa, ClientCheck Npgsql, double Load, string? Note);

/// <summary>Errors during the run; acknowledged rows missing afterwards; rows present twice; rows present
/// whose insert was not acknowledged (an error with unknown outcome that had in fact committed).</summary>
internal sealed record ClientCheck(int Errors, int Acknowledged, int Lost, int Duplicated, int UnacknowledgedPresent);

internal sealed class FailoverBench(BenchOptions options, Action<string> log, NpgsqlTrace? trace)
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan SteadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(90);
    private const int SteadyWrites = 20;

    public long SessionFailovers { get; private set; }
    public string NpgsqlConnectionString { get; private set; } = "";

    /// <summary>Runs measured so far (also after a failure or Ctrl+C).</summary>
    public List<RunResult> Results { get; } = [];

    public async Task RunAsync(Action<RunResult> onRun, CancellationToken ct)
    {
        log("starting a 3-member sandbox cluster (ttl 10) ...");
        await using SandboxCluster cluster = await SandboxCluster.StartAsync(new SandboxOptions
        {
            Nodes = 3, Scope = "bench", SynchronousMode = options.Synchronous,
        }, log, ct);
        string leader = await cluster.WaitUntilHealthyAsync(HealthyTimeout, ct);
        await CreateTablesAsync(cluster, cluster[leader], ct);

        await using ClusterSession session = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
            HealthCheckInterval = options.HealthCheckInterval,
            FailoverTimeout = TimeSpan.FromSeconds(60),
            ApplicationName = "bench-patroniha",
        }, ct);

        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = string.Join(',', cluster.Members.Select(m => $"127.0.0.1:{m.PgPort}")),
            TargetSessionAttributes = "primary",
            Username = cluster.Superuser.UserName,
            Password = cluster.Superuser.Password,
            Database = "postgres",
            Timeout = 2,
            ApplicationName = "bench-npgsql",
        };
        NpgsqlConnectionString = new NpgsqlConnectionStringBuilder(csb.ConnectionString) { Password = null }.ConnectionString;
        await using NpgsqlDataSource multiHost = NpgsqlDataSource.Create(csb.ConnectionString);

        var writers = new WriterLoop[]
        {
            new PatroniHaWriter(session, options.Pace, options.RetryDelay),
            new NpgsqlMultiHostWriter(multiHost, options.Pace, options.RetryDelay),
        };
        using var stopWriters = CancellationTokenSource.CreateLinkedTokenSource(ct);
        foreach (var w in writers) w.StartRun(1);
        Task[] loops = writers.Select(w => Task.Run(() => w.RunAsync(stopWriters.Token))).ToArray();
        try
        {
            for (int run = 1; run <= options.Runs; run++)
            {
                RunResult result = await RunOnceAsync(run, cluster, session, writers, ct);
                Results.Add(result);
                onRun(result);
            }
        }
        finally
        {
            stopWriters.Cancel();
            await Task.WhenAll(loops);
            SessionFailovers = session.Statistics.Failovers;
            log("tearing the sandbox down ...");
            log($"PatroniHa session statistics: {session.Statistics}");
            foreach (var w in writers)
                foreach (var (kind, count) in w.ErrorKinds)
                    log($"{w.Name} errors: {count} x {kind}");
        }
    }

    private async Task<RunResult> RunOnceAsync(int run, SandboxCluster cluster, ClusterSession session,
        WriterLoop[] writers, CancellationToken ct)
    {
        SandboxMember old = cluster[await cluster.WaitUntilHealthyAsync(HealthyTimeout, ct)];
        await WaitSteadyAsync(writers, old, ct);
        var candidates = cluster.Members.Where(m => m != old).ToList();

        trace?.Take(0, 0); // forget what came before this run
        using var observe = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<long> topology = Task.Run(() => WatchTopologyAsync(session, old.Name, observe.Token));
        Task<SwitchoverOutcome>? switchover = null;
        using var rest = new PatroniRestClient(new PatroniApiOptions { Endpoints = [old.ApiUrl.ToString()] });

        double load = LoadAverage();
        long t0;
        if (options.Planned)
        {
            log($"run {run}: POST /switchover away from {old.Name}");
            t0 = Stopwatch.GetTimestamp();
            switchover = rest.SwitchoverAsync(old.ApiUrl, old.Name, null, null, ct);
        }
        else
        {
            log($"run {run}: SIGKILL Patroni and PostgreSQL of leader {old.Name}");
            old.Kill();
            t0 = Stopwatch.GetTimestamp(); // PostgreSQL is gone: no write can still succeed on it
        }
        foreach (var w in writers) w.Mark(t0, old.PgPort);

        string? note = null;
        WritableProbe.Result probe = await WritableProbe.RunAsync(candidates, cluster.Superuser, options.ProbeInterval,
            FailoverTimeout, ct);
        log($"run {run}: {probe.Member} accepted a write {Ms(t0, probe.At) / 1000:0.00} s after the {(options.Planned ? "request" : "kill")}");

        var deadline = Stopwatch.StartNew();
        while (writers.Any(w => w.FirstAfterMark.At == 0) && deadline.Elapsed < FailoverTimeout)
            await Task.Delay(10, ct);
        var missing = writers.Where(w => w.FirstAfterMark.At == 0).Select(w => w.Name).ToList();
        if (missing.Count > 0)
            note = $"no write within {FailoverTimeout.TotalSeconds:0} s after writable: {string.Join(", ", missing)}";

        observe.Cancel();
        long topologyAt = await topology;
        if (switchover is not null)
        {
            SwitchoverOutcome outcome = await switchover;
            log($"run {run}: switchover answered {outcome.HttpStatus} {outcome.Status}: {outcome.Message}");
        }

        double? Rel(long at) => at == 0 ? null : Ms(probe.At, at);
        double? ha = Rel(writers[0].FirstAfterMark.At), npg = Rel(writers[1].FirstAfterMark.At);
        if (trace is not null)
            PrintTrace(run, probe.At, topologyAt, writers[0].FirstAfterMark.At);

        if (!options.Planned)
        {
            log($"run {run}: restarting {old.Name} as a replica");
            await old.StartAsync(ct);
        }
        await cluster.WaitUntilHealthyAsync(HealthyTimeout, ct);

        // Tag further writes with the next run; once each client has finished one, run's rows are final.
        foreach (var w in writers) w.StartRun(run + 1);
        var settle = Stopwatch.StartNew();
        while (!writers.All(w => w.HasCompletedRun(run + 1)) && settle.Elapsed < SteadyTimeout)
            await Task.Delay(20, ct);
        SandboxMember now = cluster[await cluster.WaitUntilHealthyAsync(HealthyTimeout, ct)];
        var checks = new List<ClientCheck>();
        foreach (var w in writers)
            checks.Add(await CheckAsync(cluster, now, w, run, ct));

        return new RunResult(run, old.Name, probe.Member, Ms(t0, probe.At), ha, npg, Rel(topologyAt),
            probe.Attempts, probe.MedianAttemptMs, checks[0], checks[1], load, note);
    }

    /// <summary>The PatroniHa session's Npgsql activity from just before its topology named the new leader
    /// (or 300 ms before writable) to its first write after it.</summary>
    private void PrintTrace(int run, long writableAt, long topologyAt, long firstWriteAt)
    {
        long f = Stopwatch.Frequency;
        long from = Math.Min(writableAt - f * 3 / 10, topologyAt == 0 ? long.MaxValue : topologyAt - f / 20);
        long to = (firstWriteAt == 0 ? writableAt + f : firstWriteAt) + f / 50;
        var entries = trace!.Take(from, to)
            // Leave out the other client's inserts and its own primary check (Npgsql's lower-case query);
            // its connection opens cannot be told apart and stay in.
            .Where(e => !e.What.Contains("/*Npgsql*/") && !e.What.Contains("bench_probe")
                        && !e.What.Contains("select pg_is_in_recovery();", StringComparison.Ordinal))
            .ToList();
        log($"run {run}: Npgsql log of the PatroniHa session, ms relative to writable ({entries.Count} entries)");
        foreach (var e in entries)
            log($"    end {Ms(writableAt, e.At),8:+0.0;-0.0}  took {e.DurationMs,6:0.0}  {e.What}");
    }

    /// <summary>Both clients have written a few rows to the current leader: they are in their steady state.</summary>
    private static async Task WaitSteadyAsync(WriterLoop[] writers, SandboxMember leader, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (!writers.All(w => w.Progress.Successes >= SteadyWrites && w.Progress.LastPort == leader.PgPort))
        {
            if (sw.Elapsed > SteadyTimeout)
                throw new TimeoutException($"The clients did not write steadily to {leader.Name} within {SteadyTimeout.TotalSeconds:0} s: "
                    + string.Join(", ", writers.Select(w => $"{w.Name} {w.Progress.Successes} writes, last on port {w.Progress.LastPort}")));
            await Task.Delay(20, ct);
        }
    }

    /// <summary>When the session's own topology first named a leader other than <paramref name="old"/>.</summary>
    private static async Task<long> WatchTopologyAsync(ClusterSession session, string old, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (session.Backend is PatroniBackend b && b.Monitor.Current?.Leader?.Name is { } name && name != old)
                return Stopwatch.GetTimestamp();
            try
            {
                await Task.Delay(2, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return 0;
    }

    private static async Task<ClientCheck> CheckAsync(SandboxCluster cluster, SandboxMember leader, WriterLoop w, int run,
        CancellationToken ct)
    {
        var counts = new Dictionary<long, int>();
        await using (var connection = await OpenDirectAsync(cluster, leader, ct))
        await using (var command = new NpgsqlCommand(
            "SELECT seq, count(*)::int FROM bench_writes WHERE client = @c AND run = @r GROUP BY seq", connection))
        {
            command.Parameters.AddWithValue("c", w.Name);
            command.Parameters.AddWithValue("r", run);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                counts[reader.GetInt64(0)] = reader.GetInt32(1);
        }
        HashSet<long> acked = w.Acknowledged(run);
        return new ClientCheck(w.Errors(run), acked.Count,
            Lost: acked.Count(s => !counts.ContainsKey(s)),
            Duplicated: counts.Count(kv => kv.Value > 1),
            UnacknowledgedPresent: counts.Keys.Count(s => !acked.Contains(s)));
    }

    private static async Task CreateTablesAsync(SandboxCluster cluster, SandboxMember leader, CancellationToken ct)
    {
        await using var connection = await OpenDirectAsync(cluster, leader, ct);
        await using var command = new NpgsqlCommand("""
            CREATE TABLE bench_writes (client text NOT NULL, run int NOT NULL, seq bigint NOT NULL,
                                       at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE bench_probe (member text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
            """, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<NpgsqlConnection> OpenDirectAsync(SandboxCluster cluster, SandboxMember member, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = member.PgPort, Username = cluster.Superuser.UserName,
            Password = cluster.Superuser.Password, Database = "postgres", Pooling = false, Timeout = 5,
        }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>1-minute load average: other work on the machine stretches every figure.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
