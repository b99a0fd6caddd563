using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// The read path's cost against raw Npgsql measured in the same run: a pooled <c>SELECT 1</c> on the same
/// replicas (round-robin over one data source per replica) against the engine under each read policy in
/// its cheapest setting, and a write's cost with and without learning its commit position (read-your-writes).
/// Modes run interleaved in rounds so drift on a shared machine hits them alike; medians per operation.
/// </summary>
internal sealed class ReadBench(int rounds, int opsPerRound, Action<string> log)
{
    private sealed record Mode(string Name, string Baseline, Func<Task> Op);

    public async Task RunAsync(CancellationToken ct)
    {
        await using SandboxCluster cluster = await SandboxCluster.StartAsync(new SandboxOptions { Scope = "readbench" }, log, ct);
        string leaderName = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), ct);
        SandboxMember leader = cluster[leaderName];
        var replicas = cluster.Members.Where(m => m.Name != leaderName).ToList();

        var sessionOptions = new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
        };
        // Reads and writes in sessions of their own: the read modes must not wait for the write modes' WAL.
        await using ClusterSession session = await SessionFactory.ConnectAsync(sessionOptions, ct);
        await using ClusterSession writer = await SessionFactory.ConnectAsync(sessionOptions, ct);
        await using NpgsqlDataSource rawLeader = Raw(cluster, leader);
        var rawReplicas = replicas.Select(r => Raw(cluster, r)).ToArray();
        await using (var create = rawLeader.CreateCommand("CREATE TABLE IF NOT EXISTS bench (id bigserial PRIMARY KEY, v int)"))
            await create.ExecuteNonQueryAsync(ct);

        int turn = 0;
        var select = new QueryRequest("SELECT 1") { Shape = QueryShape.Scalar, ReadOnly = true };
        var insert = new QueryRequest("INSERT INTO bench (v) VALUES (1)") { Shape = QueryShape.NonQuery };
        string dc = "dc1";
        Task Read(ReadPolicy policy) => session.ExecuteAsync(select with { ReadPolicy = policy }, null, ct);
        async Task Write(bool capture)
        {
            writer.Reads.CaptureCommitPositions = capture;
            await writer.ExecuteAsync(insert, null, ct);
        }
        // Read-your-writes in its cheapest state: the position to see is one every replica replayed long ago, so
        // after the first probe the cached replay positions answer without a round trip.
        writer.Reads.CaptureCommitPositions = true;
        CommitPosition replayed = (await writer.ExecuteAsync(insert, null, ct)).CommitPosition!.Value;
        await Task.Delay(1000, ct);
        var rywSelect = select with { ReadPolicy = new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites }, AfterPosition = replayed };
        async Task RawScalar(NpgsqlDataSource source, string sql)
        {
            await using NpgsqlConnection c = await source.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(sql, c);
            await command.ExecuteScalarAsync(ct);
        }

        var modes = new List<Mode>
        {
            new("raw Npgsql SELECT 1, replicas", "", () => RawScalar(rawReplicas[turn++ % rawReplicas.Length], "SELECT 1")),
            new("-ReadOnly (Eventual, RoundRobin)", "raw Npgsql SELECT 1, replicas", () => Read(ReadPolicy.Default)),
            new("Eventual, Random", "raw Npgsql SELECT 1, replicas", () => Read(new ReadPolicy { Choice = ReplicaChoice.Random })),
            new("Eventual, LowestLatency", "raw Npgsql SELECT 1, replicas", () => Read(new ReadPolicy { Choice = ReplicaChoice.LowestLatency })),
            new("Eventual, -RequireTag, -PreferTag", "raw Npgsql SELECT 1, replicas", () => Read(new ReadPolicy
            {
                RequireTags = new Dictionary<string, string> { ["datacenter"] = dc },
                PreferTags = [new Dictionary<string, string> { ["datacenter"] = dc }, new Dictionary<string, string>()],
            })),
            new("Eventual, -MaxLagBytes 1MB", "raw Npgsql SELECT 1, replicas", () => Read(new ReadPolicy { MaxLagBytes = 1 << 20 })),
            new("Eventual, -MaxLagSec 5", "raw Npgsql SELECT 1, replicas", () => Read(new ReadPolicy { MaxLag = TimeSpan.FromSeconds(5) })),
            new("ReadYourWrites (cache caught up)", "raw Npgsql SELECT 1, replicas", () => session.ExecuteAsync(rywSelect, null, ct)),
            new("raw Npgsql SELECT 1, leader", "", () => RawScalar(rawLeader, "SELECT 1")),
            new("Strong (leader)", "raw Npgsql SELECT 1, leader", () => Read(new ReadPolicy { Consistency = ReadConsistency.Strong })),
            new("raw Npgsql INSERT, leader", "", () => RawScalar(rawLeader, "INSERT INTO bench (v) VALUES (1)")),
            new("raw Npgsql batch: INSERT, barrier, insert_lsn", "raw Npgsql INSERT, leader", async () =>
            {
                // The protocol's own price for the commit LSN, without the engine.
                await using NpgsqlConnection c = await rawLeader.OpenConnectionAsync(ct);
                await using var batch = new NpgsqlBatch(c)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand("INSERT INTO bench (v) VALUES (1)") { AppendErrorBarrier = true },
                        new NpgsqlBatchCommand("SELECT pg_current_wal_insert_lsn()::text"),
                    },
                };
                await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(ct);
                while (await reader.NextResultAsync(ct))
                {
                }
            }),
            new("write, commit LSN off", "raw Npgsql INSERT, leader", () => Write(false)),
            new("write + commit LSN (RYW)", "raw Npgsql INSERT, leader", () => Write(true)),
            new("raw INSERT, then raw replica SELECT (may miss it)", "", async () =>
            {
                await RawScalar(rawLeader, "INSERT INTO bench (v) VALUES (1)");
                await RawScalar(rawReplicas[turn++ % rawReplicas.Length], "SELECT 1");
            }),
            new("write, then RYW read (waits for replay)", "raw INSERT, then raw replica SELECT (may miss it)", async () =>
            {
                await Write(true);
                await writer.ExecuteAsync(select with { ReadPolicy = new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites } }, null, ct);
            }),
        };

        var samples = modes.ToDictionary(m => m.Name, _ => new List<double>());
        log($"warming up ({modes.Count} modes)");
        foreach (Mode m in modes)
        {
            for (int i = 0; i < 200; i++)
                await m.Op();
        }
        // RYW reads in the "cache caught up" mode need positions the replicas have replayed: let them settle.
        // One operation of every mode in turn, in a new random order each time: the machine's noise (other
        // processes, GC, a cold cache after the slow modes) hits every mode alike.
        var order = modes.ToArray();
        var random = new Random(42);
        for (int round = 0; round < rounds; round++)
        {
            log($"round {round + 1}/{rounds}");
            for (int i = 0; i < opsPerRound; i++)
            {
                random.Shuffle(order);
                foreach (Mode m in order)
                {
                    long start = Stopwatch.GetTimestamp();
                    await m.Op();
                    samples[m.Name].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }
        }

        // The routing decision alone (no I/O): what each policy adds to a statement, independent of the noise of
        // the round trip. The same replica positions are cached, so read-your-writes decides without a probe.
        var decisions = new List<(string Name, double Nanoseconds)>();
        foreach (var (name, request) in new (string, QueryRequest)[]
                 {
                     ("-ReadOnly (Eventual, RoundRobin)", select),
                     ("Eventual, Random", select with { ReadPolicy = new ReadPolicy { Choice = ReplicaChoice.Random } }),
                     ("Eventual, LowestLatency", select with { ReadPolicy = new ReadPolicy { Choice = ReplicaChoice.LowestLatency } }),
                     ("Eventual, -RequireTag, -PreferTag", select with { ReadPolicy = new ReadPolicy
                     {
                         RequireTags = new Dictionary<string, string> { ["datacenter"] = dc },
                         PreferTags = [new Dictionary<string, string> { ["datacenter"] = dc }, new Dictionary<string, string>()],
                     } }),
                     ("Eventual, -MaxLagBytes 1MB", select with { ReadPolicy = new ReadPolicy { MaxLagBytes = 1 << 20 } }),
                     ("Eventual, -MaxLagSec 5", select with { ReadPolicy = new ReadPolicy { MaxLag = TimeSpan.FromSeconds(5) } }),
                     ("ReadYourWrites (cache caught up)", rywSelect),
                     ("Strong (leader)", select with { ReadPolicy = new ReadPolicy { Consistency = ReadConsistency.Strong } }),
                 })
        {
            const int calls = 200_000;
            for (int i = 0; i < 1000; i++)
                await session.Reads.ChooseAsync(session.Backend, request, ct);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
                await session.Reads.ChooseAsync(session.Backend, request, ct);
            decisions.Add((name, Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls));
        }

        ReadStatistics stats = writer.Reads.Statistics;
        Console.WriteLine();
        Console.WriteLine($"Read routing cost, {rounds} rounds x {opsPerRound} ops per mode, one op of each mode in turn (random order); medians (µs); ratio = median / baseline's median in this run");
        Console.WriteLine();
        Console.WriteLine("| mode | median µs | p90 µs | ratio | baseline |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (Mode m in modes)
        {
            double median = Percentile(samples[m.Name], 0.5);
            string ratio = m.Baseline.Length == 0 ? "1.00 (baseline)" : $"{median / Percentile(samples[m.Baseline], 0.5):0.00}x";
            Console.WriteLine($"| {m.Name} | {median:0.0} | {Percentile(samples[m.Name], 0.9):0.0} | {ratio} | {m.Baseline} |");
        }
        double rawRead = Percentile(samples["raw Npgsql SELECT 1, replicas"], 0.5);
        Console.WriteLine();
        Console.WriteLine($"Routing decision alone (CPU, no I/O; 200000 calls each) and what it adds to this run's raw SELECT 1 median ({rawRead:0.0} µs):");
        Console.WriteLine();
        Console.WriteLine("| policy | ns per decision | added to raw |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, ns) in decisions)
            Console.WriteLine($"| {name} | {ns:0} | {ns / 1000 / rawRead * 100:0.00} % |");

        double perWrite = Percentile(samples["write + commit LSN (RYW)"], 0.5) - Percentile(samples["write, commit LSN off"], 0.5);
        Console.WriteLine();
        Console.WriteLine($"Read-your-writes costs {perWrite:0.0} µs per write (median with minus without the commit LSN, same round trip: " +
                          $"{stats.CommitPositionRoundTrips} of {stats.CommitPositions} writes needed an extra round trip).");
        Console.WriteLine($"Cheapest ReadYourWrites mode: {session.Reads.Statistics.Probes} probes in all (the cache answered the rest).");
        Console.WriteLine($"RYW reads right after a write: {stats.Probes} probes, {stats.Waits} waits ({stats.WaitTime.TotalMilliseconds:0} ms), " +
                          $"leader fallbacks: {string.Join(", ", stats.LeaderFallbacks.Select(f => $"{f.Key}={f.Value}"))}.");
        foreach (var rawSource in rawReplicas)
            await rawSource.DisposeAsync();
    }

    private static NpgsqlDataSource Raw(SandboxCluster cluster, SandboxMember member) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = member.PgPort,
            Username = cluster.Superuser.UserName,
            Password = cluster.Superuser.Password,
            Database = "postgres",
            MinPoolSize = 2,
            MaxPoolSize = 20,
        }.ConnectionString);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
