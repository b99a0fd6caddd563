using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// `writepath`: the cost of the engine's write path (write fence with its lease check, retry pipeline)
/// against raw pooled Npgsql, both running `SELECT 1` as a write on the leader of one sandbox, in alternating
/// rounds so both see the same machine. Prints medians, p99 and the ratio measured in the same run.
/// </summary>
internal static class WritePathBench
{
    public const string Usage = """
        Usage: patroniha-bench writepath [--iterations <n>] [--rounds <n>]
          Engine write path (ClusterSession.ExecuteAsync, not read-only) vs raw pooled Npgsql on the leader,
          `SELECT 1`, alternating rounds (default 10 rounds x 2000 statements each). Prints the ratio.
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        int iterations = 2000, rounds = 10;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--iterations" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
                    iterations = n;
                    i++;
                    break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], out int r) && r > 0:
                    rounds = r;
                    i++;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        await using SandboxCluster cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 2, Scope = "writepath" },
            m => Console.Error.WriteLine(m), ct);
        string leader = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(180), ct);
        await using ClusterSession session = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
        }, ct);
        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = cluster[leader].PgPort, Database = "postgres",
            Username = cluster.Superuser.UserName, Password = cluster.Superuser.Password,
        };
        await using NpgsqlDataSource raw = NpgsqlDataSource.Create(csb.ConnectionString);
        var write = new QueryRequest("SELECT 1") { Shape = QueryShape.Scalar };

        async Task Engine() => await session.ExecuteAsync(write, null, ct);
        async Task Raw()
        {
            await using NpgsqlConnection c = await raw.OpenConnectionAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT 1", c);
            await cmd.ExecuteScalarAsync(ct);
        }

        // Warm both pools and the JIT.
        for (int i = 0; i < 500; i++)
        {
            await Engine();
            await Raw();
        }
        var engine = new List<double>(iterations * rounds);
        var baseline = new List<double>(iterations * rounds);
        for (int round = 0; round < rounds; round++)
        {
            await MeasureAsync(round % 2 == 0 ? Raw : Engine, round % 2 == 0 ? baseline : engine, iterations);
            await MeasureAsync(round % 2 == 0 ? Engine : Raw, round % 2 == 0 ? engine : baseline, iterations);
        }
        double rawMedian = Percentile(baseline, 0.5), engineMedian = Percentile(engine, 0.5);
        Console.WriteLine("| path | median | p99 | ratio (median) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| raw pooled Npgsql, leader | {rawMedian:0.0} µs | {Percentile(baseline, 0.99):0.0} µs | 1.00 |");
        Console.WriteLine($"| engine write path (fence + lease check) | {engineMedian:0.0} µs | {Percentile(engine, 0.99):0.0} µs | {engineMedian / rawMedian:0.00} |");
        Console.WriteLine($"(lease: {session.Backend.Fence.Lease?.Timing}; {iterations * rounds} statements each)");
        return 0;
    }

    private static async Task MeasureAsync(Func<Task> op, List<double> into, int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await op();
            into.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
