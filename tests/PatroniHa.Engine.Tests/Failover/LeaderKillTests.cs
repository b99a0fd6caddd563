using System.Diagnostics;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>
/// Unplanned failovers under continuous writes and reads, each on its own synchronous-mode cluster (so the
/// server side promises acknowledged commits survive too).
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class LeaderKillTests(ITestOutputHelper output)
{
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
        await using ClusterSession session = await SessionFactory.ConnectAsync(ProbeWorkload.Options(cluster), CancellationToken.None);
        await using var workload = new ProbeWorkload(session, "probe", withIdempotentWriter: true);
        await workload.StartAsync();
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 100, TimeSpan.FromSeconds(30));

        double failedAt = workload.NowMs;
        using var probeStop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Task<(string Member, double At)> writable = FirstWritableAsync(cluster, oldName, workload, probeStop.Token);
        fail(cluster[oldName]);
        Task<(Exception? Error, string? Server, double EndMs)>? longWrite = longWriteOnOldLeader
            ? Task.Run(async () =>
            {
                try
                {
                    var r = await session.ExecuteAsync(new Execution.QueryRequest("SELECT pg_sleep(120)") { TimeoutSeconds = 0 },
                        null, CancellationToken.None);
                    return ((Exception?)null, (string?)r.Server.Name, workload.NowMs);
                }
                catch (Exception e)
                {
                    return (e, null, workload.NowMs);
                }
            })
            : null;
        string newName = await cluster.WaitForNewLeaderAsync(oldName, TimeSpan.FromSeconds(60));
        double electedSeenAt = workload.NowMs;
        await workload.WaitForAcknowledgedWritesAsync(s => s == newName, 100, TimeSpan.FromSeconds(60));
        await workload.StopAsync();
        (string writableMember, double writableAt) = await writable;

        SandboxMember newLeader = cluster[newName];
        Verdict verdict = await workload.VerifyAsync(cluster, newLeader);
        Verdict idempotent = await workload.VerifyAsync(cluster, newLeader, workload.IdempotentTable, workload.IdempotentWrites);
        string description = workload.Describe(verdict);
        double firstOnNew = workload.Writes.Where(w => w.Server == newName).Min(w => w.EndMs);
        var events = FailoverAssertions.Drain(session);
        output.WriteLine($"{scope}: failed {oldName} at {failedAt:0} ms, test saw {newName} elected at {electedSeenAt:0} ms, " +
                         $"first write acknowledged there at {firstOnNew:0} ms; {writableMember} writable at {writableAt:0} ms " +
                         $"=> session's first write {firstOnNew - writableAt:0} ms after the new leader became writable; {session.Statistics}");
        output.WriteLine(description);
        foreach (var e in events) output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}");
        foreach (var w in workload.Writes.Where(w => w.EndMs > writableAt - 1500 && w.StartMs < firstOnNew + 50))
            output.WriteLine($"  write #{w.Seq} {w.StartMs:0}→{w.EndMs:0} ms {w.Outcome} on {w.Server}");

        if (longWrite is not null)
        {
            Assert.True(longWrite.Wait(TimeSpan.FromSeconds(30)), "the long write on the old leader still hangs");
            var (error, server, endMs) = await longWrite;
            output.WriteLine($"long write on {oldName}: ended at {endMs:0} ms ({endMs - writableAt:0} ms after {newName} became writable): " +
                             (error is null ? $"succeeded on {server}" : $"{(error as Errors.PatroniHaException)?.ErrorId} {error.Message}"));
            Assert.Equal(Errors.PatroniErrorIds.CommitOutcomeUnknown, Assert.IsType<Errors.PatroniHaException>(error).ErrorId);
            Assert.True(endMs - writableAt < 5_000, "the long write on the old leader was not broken off when the leader moved");
        }
        verdict.AssertSafe(description);
        idempotent.AssertSafe(description);
        Assert.True(idempotent.Unknown.Count == 0, "an idempotent write's unknown outcome is retried, never reported\n" + description);
        Assert.True(verdict.Failed.Count == 0 && idempotent.Failed.Count == 0, "a write gave up\n" + description);
        Assert.True(verdict.Unknown.Count <= 3, $"too many outcome-unknown writes\n{description}");
        FailoverAssertions.AssertLeaderChangeSeen(session, events, session.Backend.Writer!.Address, workload, newName, description);
        FailoverAssertions.AssertReadsKeptGoing(workload, description);
        // No write hangs on the old leader: the session follows within moments of the new leader becoming
        // writable (promotion itself may take seconds after the election on a busy machine). A generous bound.
        Assert.Equal(newName, writableMember);
        Assert.True(firstOnNew - writableAt < 5_000, $"writes resumed {firstOnNew - writableAt:0} ms after {newName} became writable\n{description}");
    }

    /// <summary>Polls every survivor's pg_is_in_recovery() directly until one is writable: when the server side was ready.</summary>
    private static async Task<(string Member, double At)> FirstWritableAsync(SandboxCluster cluster, string oldLeader,
        ProbeWorkload clock, CancellationToken ct)
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
                            return (m.Name, clock.NowMs);
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
