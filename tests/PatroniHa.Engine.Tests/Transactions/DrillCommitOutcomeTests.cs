using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// The switchover drill (Test-PatroniFailover -Switchover) on a session without and with -TrackCommitOutcome:
/// its probe writes go through ClusterSession.ExecuteAsync, so tracking covers them. Without tracking a write
/// whose COMMIT answer the switchover cut is "unknown"; with tracking the marker settles every one. Both runs
/// must account for every row (nothing lost, duplicated or committed after a failure). Asynchronous replication,
/// the session's default 30 s health-check interval. The counts are printed (README, "Transactions and commit
/// outcomes").
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class DrillCommitOutcomeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SwitchoverDrill_AccountsForEveryWrite_AndWithTrackingLeavesNoneUnknown()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 3, Scope = "tx-drill" }, output.WriteLine);
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        ClusterOptions options = CommitAnswerCheck.SessionOptions(cluster);
        var lines = new List<string>();
        foreach (bool track in new[] { false, true })
        {
            await using ClusterSession session = await SessionFactory.ConnectAsync(options, CancellationToken.None);
            if (track)
                await session.EnableCommitTrackingAsync(CancellationToken.None);
            using DrillApi api = DrillApi.For(session, null);
            DrillReport r = await FailoverDrill.RunAsync(api, new DrillOptions { Kind = DrillKind.Switchover },
                (s, _) => output.WriteLine($"  {s}"), CancellationToken.None);
            ProbeAccount w = r.Writes;
            lines.Add($"tracking {(track ? "on" : "off")}: {r.OldPrimary} -> {r.NewPrimary}, write-unavailable {r.WriteUnavailable.TotalSeconds:0.0} s; " +
                      $"writes attempted {w.Attempted}, acknowledged {w.Acknowledged}, unknown {w.OutcomeUnknown} ({w.UnknownCommitted} committed), " +
                      $"failed {w.Failed}, lost {w.Lost}, duplicated {w.Duplicated}, failed-but-committed {w.FailedButCommitted}");
            output.WriteLine(lines[^1]);
            foreach (string n in r.Notes)
                output.WriteLine($"  note: {n}");
            Assert.True(r.Passed, string.Join(" | ", r.Notes));
            Assert.NotEqual(r.OldPrimary, r.NewPrimary);
            Assert.Equal(0, w.Lost);
            Assert.Equal(0, w.Duplicated);
            Assert.Equal(0, w.FailedButCommitted);
            Assert.Equal(0, w.Unexpected);
            if (track)
                Assert.Equal(0, w.OutcomeUnknown);
            // The probe's statements stay out of the session's statistics, tracked or not.
            Assert.Equal(0, session.Statistics.Writes);
            Assert.Equal(0, session.Statistics.Errors);
            await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
        }
        foreach (string l in lines)
            output.WriteLine(l);
    }
}
