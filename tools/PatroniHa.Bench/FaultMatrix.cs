using System.Diagnostics;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sandbox.Faults;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// `faults`: every fault scenario the project knows (<see cref="FaultScenario.All"/>), one after another on
/// one asynchronous-mode sandbox (each undone before the next), then the ones where synchronous replication
/// changes the answer on a synchronous-mode sandbox. One session with the module's DEFAULT settings writes and
/// reads throughout. Prints one row per scenario.
/// </summary>
internal static class FaultMatrix
{
    public const string Usage = """
        Usage: patroniha-bench faults [--only <name,...>] [--no-sync]
          Runs every fault scenario under continuous writes and reads through one session with default
          settings (30 s health-check interval, 30 s failover timeout) on a 3-member asynchronous sandbox
          (ttl 10, loop_wait 1, retry_timeout 4), then the leader-loss scenarios on a synchronous one, and
          prints acknowledged / lost / duplicated / outcome-unknown writes and the write and read gaps.
          Scenarios: zombie-primary frozen-patroni frozen-patroni-brief frozen-etcd split-brain switchover leader-sigkill
                     replica-down one-rest-down all-rest-down
        """;

    /// <summary>Where synchronous replication changes what survives: the leader is lost or replaced.</summary>
    private static readonly string[] SyncVariants = ["zombie-primary", "leader-sigkill", "switchover"];

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        HashSet<string>? only = null;
        bool sync = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--only" when i + 1 < args.Length:
                    only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                case "--no-sync":
                    sync = false;
                    break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

        var scenarios = FaultScenario.All.Where(s => only is null || only.Contains(s.Name)).ToList();
        var results = new List<FaultResult>();
        await RunOnClusterAsync(false, scenarios, results, Log, ct);
        if (sync)
            await RunOnClusterAsync(true, scenarios.Where(s => SyncVariants.Contains(s.Name)).ToList(), results, Log, ct);

        Console.WriteLine();
        Console.WriteLine("| scenario | replication | acknowledged | lost | duplicated | outcome-unknown | failed | write gap | read gap |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (FaultResult r in results)
        {
            Console.WriteLine($"| {r.Scenario} | {(r.Synchronous ? "sync" : "async")} | {r.Account.Acknowledged} | {r.Account.Lost} | " +
                              $"{r.Account.Duplicated} | {r.Account.OutcomeUnknown} | {r.Account.Failed} | " +
                              $"{r.WriteGap.TotalSeconds:0.0} s | {r.ReadGap.TotalSeconds:0.0} s |");
        }
        foreach (FaultResult r in results.Where(r => r.Note is not null))
            Console.WriteLine($"note: {r.Scenario}{(r.Synchronous ? " (sync)" : "")}: {r.Note}");
        Log($"done in {clock.Elapsed.TotalSeconds:0} s");
        return results.All(r => r.Account.Consistent || (!r.Synchronous && r.Scenario == "leader-sigkill")) ? 0 : 1;
    }

    private static async Task RunOnClusterAsync(bool synchronous, List<FaultScenario> scenarios, List<FaultResult> results,
        Action<string> log, CancellationToken ct)
    {
        if (scenarios.Count == 0)
            return;
        log($"starting a 3-member {(synchronous ? "synchronous" : "asynchronous")} sandbox ...");
        await using SandboxCluster cluster = await SandboxCluster.StartAsync(new SandboxOptions
        {
            Nodes = 3, Scope = synchronous ? "faults-sync" : "faults", SynchronousMode = synchronous,
        }, log, ct);
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(180), ct);
        // The module's defaults: only the endpoints and the credential are given.
        await using ClusterSession session = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
            ApplicationName = "bench-faults",
        }, ct);
        foreach (FaultScenario scenario in scenarios)
        {
            try
            {
                results.Add(await FaultRunner.RunAsync(cluster, session, scenario, synchronous, log, ct));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log($"{scenario.Name}: could not run: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
