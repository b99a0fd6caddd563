using System.Diagnostics;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Sandbox.Faults;

/// <summary>
/// Runs one <see cref="FaultScenario"/> on a sandbox under the shipped probe workload (the drill's writer and
/// reader, one session): writes until acknowledged on the leader, injects the fault, holds it, undoes it,
/// waits for the cluster to heal and for a write acknowledged on the final leader, then reads every row back
/// there and accounts for each write. The tests and the bench's fault matrix both run this.
/// </summary>
public static class FaultRunner
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan HealTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FirstWriteTimeout = TimeSpan.FromSeconds(60);

    public static async Task<FaultResult> RunAsync(SandboxCluster cluster, ClusterSession session, FaultScenario scenario,
        bool synchronous, Action<string> log, CancellationToken ct, Func<FaultContext, Task>? whileHeld = null)
    {
        string leader = await cluster.HealAsync(HealTimeout, log, ct).ConfigureAwait(false);
        string replica = cluster.Members.First(m => m.Name != leader).Name;
        var context = new FaultContext(cluster, leader, replica, session, log, ct);
        var notes = new List<string>();

        ProbeTable table = await ProbeTable.CreateAsync(session, ct, $"fault_{scenario.Name.Replace('-', '_')}_{Stopwatch.GetTimestamp() % 1_000_000}")
            .ConfigureAwait(false);
        var workload = new ProbeWorkload(table, Pace);
        workload.Start(ct);
        if (await workload.WaitForWriteAsync(leader, workload.StartedAt, FirstWriteTimeout, ct).ConfigureAwait(false) is null)
            notes.Add($"no write acknowledged on {leader} before the fault");

        long faultAt = Stopwatch.GetTimestamp();
        log($"{scenario.Name}: {scenario.Description} (leader {leader}, replica {replica})");
        await scenario.Inject(context).ConfigureAwait(false);
        Task hold = Task.Delay(scenario.Hold, ct);
        // What a test checks while the fault holds (health during a split brain …); it must end within the hold.
        if (whileHeld is not null)
            await whileHeld(context).ConfigureAwait(false);
        await hold.ConfigureAwait(false);
        log($"{scenario.Name}: undoing after {scenario.Hold.TotalSeconds:0} s");
        try
        {
            await scenario.Undo(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            notes.Add($"undo failed: {e.Message}");
        }

        string? finalLeader = null;
        try
        {
            finalLeader = await cluster.HealAsync(HealTimeout, log, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            notes.Add($"the cluster did not heal: {e.Message}");
            finalLeader = await cluster.GetLeaderNameAsync(ct).ConfigureAwait(false);
        }
        if (finalLeader is not null &&
            await workload.WaitForWriteAsync(finalLeader, Stopwatch.GetTimestamp(), FirstWriteTimeout, ct).ConfigureAwait(false) is null)
            notes.Add($"no write acknowledged on the final leader {finalLeader}");
        await workload.StopAsync().ConfigureAwait(false);

        var (rows, readBackOn) = await table.ReadBackAsync(ct).ConfigureAwait(false);
        IReadOnlyList<ProbeWrite> writes = workload.Writes;
        ProbeAccount account = ProbeAccounting.Compute(writes.ToList(), rows);
        TimeSpan writeGap = ProbeAccounting.LongestGap(
            writes.Where(w => w.Outcome == ProbeWriteOutcome.Acknowledged).Select(w => w.EndedAt), faultAt, workload.StoppedAt);
        TimeSpan readGap = ProbeAccounting.LongestGap(
            workload.Reads.Where(r => r.Succeeded).Select(r => r.EndedAt), faultAt, workload.StoppedAt);
        if (finalLeader is not null && readBackOn != finalLeader)
            notes.Add($"read back on {readBackOn}, not on the final leader {finalLeader}");
        try
        {
            await table.DropAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            notes.Add($"probe table not dropped: {e.Message}");
        }
        var result = new FaultResult(scenario.Name, synchronous, leader, finalLeader, readBackOn, account, writeGap, readGap,
            writes, notes.Count == 0 ? null : string.Join("; ", notes), faultAt);
        log(result.Summary);
        return result;
    }
}
