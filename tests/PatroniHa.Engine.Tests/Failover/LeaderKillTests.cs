using System.Diagnostics;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>
/// Unplanned failovers under continuous writes and reads (the shipped probe workload), each on its own
/// synchronous-mode cluster (so the server side promises acknowledged commits survive too) with 1 s health
/// checks, to time how soon writes follow the new leader. The same faults with the default settings on an
/// asynchronous cluster: DefaultSettingsFaultTests.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class LeaderKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task LeaderKilledWithSigkill_WritesMoveToTheNewLeaderWithoutLossOrReplay()
    {
        await RunAsync("fo-kill", old => old.Kill());
    }

    [Fact]
    public async Task ZombiePrimary_PatroniKilledOnTheLeader_WritesMoveOnceANewLeaderIsElected()
    {
        await RunAsync("fo-zombie", old => old.KillPatroni(), longWriteOnOldLeader: true);
    }

    /// <param name="longWriteOnOldLeader">Also start a write that runs for minutes on the old leader right after
    /// the failure: once the new leader is elected it must be broken off as "outcome unknown", not left hanging.</param>
    private async Task RunAsync(string scope, Action<SandboxMember> fail, bool longWriteOnOldLeader = false)
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(
            new SandboxOptions { Nodes = 3, SynchronousMode = true, Scope = scope }, output.WriteLine);
        string oldName = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await SessionFactory.ConnectAsync(SandboxTestSupport.FastSessionOptions(cluster), CancellationToken.None);
        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe");
        ProbeTable idempotentTable = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_idem");
        await using var workload = new ProbeWorkload(table, Pace);
        await using var idempotentWorkload = new ProbeWorkload(idempotentTable, Pace, idempotentWrites: true);
        workload.Start(CancellationToken.None);
        idempotentWorkload.Start(CancellationToken.None);
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 100, TimeSpan.FromSeconds(30));

        long failedAt = Stopwatch.GetTimestamp();
        using var probeStop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Task<(string Member, long At)> writable = FirstWritableAsync(cluster, oldName, probeStop.Token);
        fail(cluster[oldName]);
        Task<(Exception? Error, string? Server, long End)>? longWrite = longWriteOnOldLeader
            ? Task.Run(async () =>
            {
                try
                {
                    var r = await session.ExecuteAsync(new Execution.QueryRequest("SELECT pg_sleep(120)") { TimeoutSeconds = 0 },
                        null, CancellationToken.None);
                    return ((Exception?)null, (string?)r.Server.Name, Stopwatch.GetTimestamp());
                }
                catch (Exception e)
                {
                    return (e, null, Stopwatch.GetTimestamp());
                }
            })
            : null;
        string newName = await cluster.WaitForNewLeaderAsync(oldName, TimeSpan.FromSeconds(60));
        long electedSeenAt = Stopwatch.GetTimestamp();
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, s => s == newName, 100, TimeSpan.FromSeconds(60));
        ProbeVerdict verdict = await ProbeVerdict.StopAndVerifyAsync(workload, table, newName);
        ProbeVerdict idempotent = await ProbeVerdict.StopAndVerifyAsync(idempotentWorkload, idempotentTable, newName);
        (string writableMember, long writableAt) = await writable;

        double Ms(long ticks) => ProbeVerdict.Ms(workload, ticks);
        string description = verdict.Describe() + "idempotent " + idempotent.Describe();
        long firstOnNew = verdict.Writes.Where(w => w.Server == newName).Min(w => w.EndedAt);
        var events = FailoverAssertions.Drain(session);
        output.WriteLine($"{scope}: failed {oldName} at {Ms(failedAt):0} ms, test saw {newName} elected at {Ms(electedSeenAt):0} ms, " +
                         $"first write acknowledged there at {Ms(firstOnNew):0} ms; {writableMember} writable at {Ms(writableAt):0} ms " +
                         $"=> session's first write {Ms(firstOnNew) - Ms(writableAt):0} ms after the new leader became writable; {session.Statistics}");
        output.WriteLine(description);
        foreach (var e in events) output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}");
        foreach (var w in verdict.Writes.Where(w => Ms(w.EndedAt) > Ms(writableAt) - 1500 && Ms(w.StartedAt) < Ms(firstOnNew) + 50))
            output.WriteLine($"  write #{w.Seq} {Ms(w.StartedAt):0}→{Ms(w.EndedAt):0} ms {w.Outcome} on {w.Server}");

        if (longWrite is not null)
        {
            Assert.True(longWrite.Wait(TimeSpan.FromSeconds(30)), "the long write on the old leader still hangs");
            var (error, server, end) = await longWrite;
            output.WriteLine($"long write on {oldName}: ended at {Ms(end):0} ms ({Ms(end) - Ms(writableAt):0} ms after {newName} became writable): " +
                             (error is null ? $"succeeded on {server}" : $"{(error as Errors.PatroniHaException)?.ErrorId} {error.Message}"));
            Assert.Equal(Errors.PatroniErrorIds.CommitOutcomeUnknown, Assert.IsType<Errors.PatroniHaException>(error).ErrorId);
            Assert.True(Ms(end) - Ms(writableAt) < 5_000, "the long write on the old leader was not broken off when the leader moved");
        }
        verdict.AssertSafe(description);
        idempotent.AssertSafe(description);
        Assert.True(!idempotent.Unknown.Any(), "an idempotent write's unknown outcome is retried, never reported\n" + description);
        Assert.True(!verdict.Failed.Any() && !idempotent.Failed.Any(), "a write gave up\n" + description);
        Assert.True(verdict.Unknown.Count() <= 3, $"too many outcome-unknown writes\n{description}");
        FailoverAssertions.AssertLeaderChangeSeen(session, events, session.Backend.Writer!.Address, verdict, newName, description);
        FailoverAssertions.AssertReadsKeptGoing(verdict, description);
        // No write hangs on the old leader: the session follows within moments of the new leader becoming
        // writable (promotion itself may take seconds after the election on a busy machine). A generous bound.
        Assert.Equal(newName, writableMember);
        Assert.True(Ms(firstOnNew) - Ms(writableAt) < 5_000, $"writes resumed {Ms(firstOnNew) - Ms(writableAt):0} ms after {newName} became writable\n{description}");
    }

    /// <summary>Polls every survivor's pg_is_in_recovery() directly until one is writable: when the server side was ready.</summary>
    private static async Task<(string Member, long At)> FirstWritableAsync(SandboxCluster cluster, string oldLeader,
        CancellationToken ct)
    {
        var connections = new Dictionary<string, Npgsql.NpgsqlConnection>();
        try
        {
            while (true)
            {
                foreach (SandboxMember m in cluster.Members.Where(m => m.Name != oldLeader))
                {
                    ct.ThrowIfCancellationRequested();
                    try
                    {
                        if (!connections.TryGetValue(m.Name, out var c))
                        {
                            c = new Npgsql.NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, m));
                            await c.OpenAsync(ct);
                            connections[m.Name] = c;
                        }
                        await using var command = new Npgsql.NpgsqlCommand("SELECT pg_is_in_recovery()", c);
                        if (await command.ExecuteScalarAsync(ct) is false)
                            return (m.Name, Stopwatch.GetTimestamp());
                    }
                    catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
                    {
                        if (connections.Remove(m.Name, out var broken)) await broken.DisposeAsync();
                    }
                }
                await Task.Delay(5, ct);
            }
        }
        finally
        {
            foreach (var c in connections.Values) await c.DisposeAsync();
        }
    }
}
