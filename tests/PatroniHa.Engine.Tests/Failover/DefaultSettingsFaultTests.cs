using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Health;
using PatroniHa.Engine.Routing.Reads;
using HealthReport = PatroniHa.Engine.Health.HealthReport;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sandbox.Faults;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>One asynchronous-mode sandbox for the default-settings fault tests; each scenario undoes itself.</summary>
public sealed class AsyncClusterFixture(IMessageSink diagnostics)
    : SandboxClusterFixture(diagnostics, new SandboxOptions { Scope = "faults-default" });

/// <summary>
/// The leader-lease faults, each through one session with the module's DEFAULT settings (30 s health-check
/// interval, 30 s failover timeout) on an asynchronous cluster: every acknowledged write must be on the final
/// leader exactly once (read back there), whatever happened to the old leader's Patroni or the DCS.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class DefaultSettingsFaultTests(AsyncClusterFixture fixture, ITestOutputHelper output)
    : IClassFixture<AsyncClusterFixture>
{
    [Fact]
    public async Task ZombiePrimary_PatroniKilledOnTheLeader_NoAcknowledgedWriteLost_NoStrongReadFromIt()
    {
        // Once the lease on the zombie ran out, a Strong read must wait for the elected leader: the zombie's
        // PostgreSQL still answers, but would miss every write the new leader acknowledges.
        QueryResult? strong = null;
        bool zombieStillNamed = false;
        FaultResult result = await RunAsync(FaultScenario.ZombiePrimary, async c =>
        {
            LeaderLease lease = c.Session.Backend.Fence.Lease!;
            while (lease.Holds(c.Leader))
                await Task.Delay(TimeSpan.FromMilliseconds(50), c.Ct);
            zombieStillNamed = c.Session.Backend.Writer?.Name == c.Leader;
            var policy = c.Session.Reads.DefaultPolicy with { Consistency = ReadConsistency.Strong };
            strong = await c.Session.ExecuteAsync(new QueryRequest("SELECT 1") { ReadOnly = true, ReadPolicy = policy },
                null, c.Ct);
        });
        output.WriteLine($"Strong read served by {strong?.Server.Name}; the zombie {result.OldLeader} was still named leader when it was sent: {zombieStillNamed}");
        Assert.NotNull(strong);
        Assert.NotEqual(result.OldLeader, strong.Server.Name);
    }

    [Fact]
    public Task FrozenPatroniOnTheLeader_NoAcknowledgedWriteLost() => RunAsync(FaultScenario.FrozenPatroni);

    [Fact]
    public async Task FrozenPatroniOnTheLeaderBriefly_WritesPauseThenResumeOnIt()
    {
        FaultResult result = await RunAsync(FaultScenario.FrozenPatroniBrief);
        // Frozen for less than ttl: nobody was elected, and the writes went on on the same leader.
        Assert.Equal(result.OldLeader, result.FinalLeader);
    }

    [Fact]
    public async Task FrozenEtcd_WritesNeitherHangPastTheTimeoutNorLandOffALeader()
    {
        FaultResult result = await RunAsync(FaultScenario.FrozenDcs);
        TimeSpan limit = Defaults.FailoverTimeout + TimeSpan.FromSeconds(15); // the timeout plus one statement's own
        ProbeWrite? longest = result.Writes.MaxBy(w => w.EndedAt - w.StartedAt);
        double seconds = longest is null ? 0 : (longest.EndedAt - longest.StartedAt) / (double)System.Diagnostics.Stopwatch.Frequency;
        Assert.True(seconds < limit.TotalSeconds, $"a write took {seconds:0.0} s\n{result.Summary}");
    }

    [Fact]
    public async Task SplitBrain_ReplicaPromotedByHand_WritesOnlyToTheLockHolder_HealthSaysUnhealthy()
    {
        HealthReport? during = null;
        FaultResult result = await RunAsync(FaultScenario.SplitBrain, async c =>
        {
            // While the fault holds (10 s): the health check must see the second primary.
            for (int i = 0; i < 16; i++)
            {
                during = await c.Session.GetHealthAsync(c.Ct);
                if (during.HaCluster?.Problems.Any(p => p.StartsWith("Split brain", StringComparison.Ordinal)) == true)
                    return;
                await Task.Delay(TimeSpan.FromMilliseconds(250), c.Ct);
            }
        });

        ClusterHealth health = Assert.IsType<ClusterHealth>(during?.HaCluster);
        output.WriteLine($"health during the split brain: {health.ClusterTopology}; {string.Join(" | ", health.Problems)}");
        Assert.Equal("unhealthy", health.ClusterTopology);
        Assert.Contains(health.Problems, p => p.StartsWith("Split brain", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Writes, w => w.Outcome == ProbeWriteOutcome.Acknowledged && w.Server != result.OldLeader);
    }

    // The faults LeaderKillTests and ResilienceTests check with 1 s health checks on a synchronous cluster,
    // here with what users get.
    [Fact]
    public async Task LeaderKilledWithSigkill_NoAcknowledgedWriteLost()
    {
        FaultResult result = await RunAsync(FaultScenario.LeaderKilled);
        Assert.NotEqual(result.OldLeader, result.FinalLeader);
    }

    [Fact]
    public async Task PlannedSwitchover_NoAcknowledgedWriteLostOrReplayed()
    {
        FaultResult result = await RunAsync(FaultScenario.Switchover);
        Assert.NotEqual(result.OldLeader, result.FinalLeader);
    }

    [Fact]
    public async Task ReplicaDown_WritesGoOnWithoutFailing()
    {
        FaultResult result = await RunAsync(FaultScenario.ReplicaDown);
        Assert.Equal(result.OldLeader, result.FinalLeader);
        Assert.True(result.Account.Failed == 0 && result.Account.OutcomeUnknown == 0, result.Summary);
    }

    [Fact]
    public async Task OneRestEndpointDown_WritesGoOnWithoutFailing()
    {
        FaultResult result = await RunAsync(FaultScenario.OneRestEndpointDown);
        Assert.Equal(result.OldLeader, result.FinalLeader);
        Assert.True(result.Account.Failed == 0 && result.Account.OutcomeUnknown == 0, result.Summary);
    }

    [Fact]
    public async Task EveryRestEndpointDown_NoAcknowledgedWriteLost()
    {
        FaultResult result = await RunAsync(FaultScenario.AllRestEndpointsDown);
        Assert.Equal(result.OldLeader, result.FinalLeader);
    }

    private static readonly ClusterOptions Defaults = new();

    private async Task<FaultResult> RunAsync(FaultScenario scenario, Func<FaultContext, Task>? whileHeld = null)
    {
        SandboxCluster cluster = fixture.Cluster;
        await using ClusterSession session = await SessionFactory.ConnectAsync(SandboxTestSupport.DefaultSessionOptions(cluster),
            CancellationToken.None);
        Assert.Equal(Defaults.HealthCheckInterval, session.Options.HealthCheckInterval);

        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        FaultResult result = await FaultRunner.RunAsync(cluster, session, scenario, synchronous: false, output.WriteLine,
            budget.Token, whileHeld);
        foreach (var e in FailoverAssertions.Drain(session))
            output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}");
        output.WriteLine(result.Summary);

        ProbeAccount account = result.Account;
        Assert.True(account.Acknowledged > 0, result.Summary);
        Assert.True(account.Lost == 0, $"acknowledged writes missing on the final leader\n{result.Summary}");
        Assert.True(account.Duplicated == 0, $"writes committed twice\n{result.Summary}");
        Assert.True(account.FailedButCommitted == 0 && account.Unexpected == 0, result.Summary);
        Assert.Equal(result.FinalLeader, result.ReadBackOn);
        return result;
    }
}
