using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// `commit-cost`: what -TrackCommitOutcome costs per write. One sandbox, the same single-row INSERT through raw
/// pooled Npgsql (the baseline), an untracked session and a tracked session, interleaved in rounds so drift on
/// a shared machine hits all alike; also a two-statement transaction untracked and tracked.
/// </summary>
internal static class CommitCostBench
{
    public const string Usage = """
        Usage: patroniha-bench commit-cost [--writes <n>]
          Starts a 3-member sandbox (asynchronous replication) and times <n> (default 2000) single-row INSERTs
          per mode: raw pooled Npgsql on the leader, a session, a session with -TrackCommitOutcome, and a
          two-statement Invoke-PatroniTransaction -Statement batch without and with tracking.
        """;

    public static async Task<int> RunAsync(string[] args, Action<string> log, CancellationToken ct)
    {
        int writes = 2000;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--writes" && i + 1 < args.Length && int.TryParse(args[++i], out int n) && n > 0)
                writes = n;
            else
                throw new ArgumentException($"Unknown or bad option '{args[i]}'.");
        }
        log("starting a 3-member sandbox ...");
        await using SandboxCluster cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 3, Scope = "bench-commit" }, log, ct);
        string leaderName = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90), ct);
        SandboxMember leader = cluster[leaderName];
        var options = new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
        };
        await using ClusterSession plain = await SessionFactory.ConnectAsync(options, ct);
        await using ClusterSession tracked = await SessionFactory.ConnectAsync(options, ct);
        await tracked.EnableCommitTrackingAsync(ct);
        await plain.ExecuteAsync(new QueryRequest("CREATE TABLE bench_commit (id bigserial PRIMARY KEY, mode text, v int)") { Shape = QueryShape.NonQuery }, null, ct);
        await using NpgsqlDataSource raw = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = leader.PgPort, Username = cluster.Superuser.UserName,
            Password = cluster.Superuser.Password, Database = "postgres",
        }.ConnectionString);

        const string Insert = "INSERT INTO bench_commit (mode, v) VALUES (@mode, @v)";
        QueryRequest Single(string mode) => new(Insert) { Shape = QueryShape.NonQuery, Parameters = new Dictionary<string, object?> { ["mode"] = mode, ["v"] = 1 } };
        QueryRequest Batch(string mode) => new(Insert + ";\n" + Insert.Replace("@v", "@v + 1")) { Parameters = new Dictionary<string, object?> { ["mode"] = mode, ["v"] = 1 } };
        var modes = new (string Name, Func<Task> Write)[]
        {
            ("raw Npgsql (baseline)", async () =>
            {
                await using NpgsqlConnection c = await raw.OpenConnectionAsync(ct);
                await using var command = new NpgsqlCommand(Insert, c);
                command.Parameters.AddWithValue("mode", "raw");
                command.Parameters.AddWithValue("v", 1);
                await command.ExecuteNonQueryAsync(ct);
            }),
            ("session, untracked", () => plain.ExecuteAsync(Single("plain"), null, ct)),
            ("session, -TrackCommitOutcome", () => tracked.ExecuteAsync(Single("tracked"), null, ct)),
            ("transaction (2 statements), untracked", () => plain.RunTransactionAsync(Batch("tx-plain"), new TransactionOptions(), null, ct)),
            ("transaction (2 statements), tracked", () => tracked.RunTransactionAsync(Batch("tx-tracked"), new TransactionOptions(), null, ct)),
        };
        var samples = modes.Select(_ => new List<double>(writes)).ToArray();
        const int Rounds = 10;
        int perRound = Math.Max(1, writes / Rounds);
        foreach (var mode in modes)
            for (int w = 0; w < 50; w++) await mode.Write(); // warm-up
        for (int round = 0; round < Rounds; round++)
        {
            for (int m = 0; m < modes.Length; m++)
            {
                for (int w = 0; w < perRound; w++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await modes[m].Write();
                    samples[m].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
            log($"round {round + 1}/{Rounds} done");
        }

        double Median(List<double> s) => Percentile(s, 0.5);
        double baseline = Median(samples[0]);
        double untracked = Median(samples[1]);
        double untrackedTx = Median(samples[3]);
        Console.WriteLine($"commit-cost: {perRound * Rounds} writes per mode, 3-member sandbox, asynchronous replication, loopback");
        Console.WriteLine($"{"mode",-42} {"median µs",10} {"p99 µs",10} {"× raw",7} {"× untracked",12}");
        for (int m = 0; m < modes.Length; m++)
        {
            double med = Median(samples[m]);
            double reference = m >= 3 ? untrackedTx : untracked;
            Console.WriteLine($"{modes[m].Name,-42} {med,10:0} {Percentile(samples[m], 0.99),10:0} {med / baseline,7:0.00} {med / reference,12:0.00}");
        }
        return 0;
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.OrderBy(x => x).ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
