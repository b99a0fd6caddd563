using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// `writepath`: the engine's own per-statement cost against raw pooled Npgsql, `SELECT 1` on the same servers of
/// one sandbox, in interleaved rounds after a warm-up long enough for the JIT's tiering to settle: the async write
/// path, the blocking first attempt Invoke-PatroniQuery uses (write fence with its lease check, retry pipeline,
/// failure classification) against Npgsql's blocking calls on the leader, and the read path (-ReadOnly routing)
/// against them on the replica. No PowerShell is involved: what is left over is the cmdlet invocation itself.
/// </summary>
internal static class WritePathBench
{
    public const string Usage = """
        Usage: patroniha-bench writepath [--iterations <n>] [--rounds <n>] [--warmup-sec <n>] [--cold-mb <n>]
          The engine's write and read paths (ClusterSession.ExecuteAsync) vs raw pooled Npgsql, `SELECT 1`,
          interleaved rounds (default: 20 s warm-up, then 10 rounds x 2000 statements per case). Prints the ratios.
          --cold-mb: before each statement (untimed) walk a buffer of that size, as PowerShell's parameter binding
          does to the caches before a cmdlet's statement (8 is about what it takes; default 0).
        """;

    private sealed record Case(string Name, Func<Task> Run, string? Baseline = null)
    {
        public List<double> Times { get; } = new();
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        int iterations = 2000, rounds = 10, warmupSec = 20, coldMb = 0;
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
                case "--warmup-sec" when i + 1 < args.Length && int.TryParse(args[i + 1], out int w) && w >= 0:
                    warmupSec = w;
                    i++;
                    break;
                case "--cold-mb" when i + 1 < args.Length && int.TryParse(args[i + 1], out int mb) && mb >= 0:
                    coldMb = mb;
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
        string replica = cluster.Members.Select(m => m.Name).First(n => n != leader);
        await using ClusterSession session = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
        }, ct);
        await using NpgsqlDataSource rawLeader = RawSource(cluster, leader);
        await using NpgsqlDataSource rawReplica = RawSource(cluster, replica);
        var write = new QueryRequest("SELECT 1") { Shape = QueryShape.Scalar };
        var blockingWrite = write with { BlockingFirstAttempt = true };
        var blockingRead = blockingWrite with { ReadOnly = true };

        Case[] cases =
        [
            new("raw Npgsql async, leader", async () =>
            {
                await using NpgsqlConnection c = await rawLeader.OpenConnectionAsync(ct);
                await using var cmd = new NpgsqlCommand("SELECT 1", c);
                await cmd.ExecuteScalarAsync(ct);
            }),
            new("engine write path, async", () => session.ExecuteAsync(write, null, ct), "raw Npgsql async, leader"),
            new("raw Npgsql blocking, leader", () => Blocking(rawLeader)),
            new("engine write path, blocking first attempt (Invoke-PatroniQuery)",
                () => session.ExecuteAsync(blockingWrite, null, ct), "raw Npgsql blocking, leader"),
            new("raw Npgsql blocking, replica", () => Blocking(rawReplica)),
            new("engine read path (-ReadOnly), blocking first attempt",
                () => session.ExecuteAsync(blockingRead, null, ct), "raw Npgsql blocking, replica"),
        ];

        var cooler = new CacheCooler(coldMb);

        // Warm-up: every case, interleaved, until the JIT's tiered compilation has settled (thousands of calls).
        var warmup = Stopwatch.StartNew();
        do
        {
            foreach (Case c in cases)
                await MeasureAsync(c.Run, null, 200, cooler);
        }
        while (warmup.Elapsed < TimeSpan.FromSeconds(warmupSec));
        var random = new Random(1);
        for (int round = 0; round < rounds; round++)
        {
            // A new order each round, so no case always follows the same neighbour.
            foreach (Case c in cases.OrderBy(_ => random.Next()))
                await MeasureAsync(c.Run, c.Times, iterations, cooler);
        }

        Console.WriteLine("| path | median | p99 | ratio (median) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (Case c in cases)
        {
            double median = Percentile(c.Times, 0.5);
            string ratio = c.Baseline is { } b ? $"{median / Percentile(cases.Single(x => x.Name == b).Times, 0.5):0.00}" : "1.00";
            Console.WriteLine($"| {c.Name} | {median:0.0} µs | {Percentile(c.Times, 0.99):0.0} µs | {ratio} |");
        }
        Console.WriteLine($"(lease: {session.Backend.Fence.Lease?.Timing}; {iterations * rounds} statements per case after a {warmupSec} s warm-up" +
                          (coldMb > 0 ? $"; {coldMb} MB walked before each statement)" : ")"));
        return 0;
    }

    private static NpgsqlDataSource RawSource(SandboxCluster cluster, string member) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = cluster[member].PgPort, Database = "postgres",
            Username = cluster.Superuser.UserName, Password = cluster.Superuser.Password,
        }.ConnectionString);

    private static Task Blocking(NpgsqlDataSource source)
    {
        using NpgsqlCommand cmd = source.CreateCommand("SELECT 1");
        cmd.ExecuteScalar();
        return Task.CompletedTask;
    }

    private static async Task MeasureAsync(Func<Task> op, List<double>? into, int iterations, CacheCooler cooler)
    {
        for (int i = 0; i < iterations; i++)
        {
            cooler.Walk();
            long start = Stopwatch.GetTimestamp();
            await op();
            into?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}

/// <summary>Evicts the CPU caches between statements by touching every cache line of a buffer (nothing when 0 MB).</summary>
internal sealed class CacheCooler(int megabytes)
{
    private readonly byte[] _buffer = new byte[megabytes << 20];

    public void Walk()
    {
        for (int i = 0; i < _buffer.Length; i += 64)
            _buffer[i]++;
    }
}
