using System.Diagnostics;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Health;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using HealthReport = PatroniHa.Engine.Health.HealthReport;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>One synchronous-mode cluster for the failure tests that leave it healthy again.</summary>
// ttl 20: the REST APIs can be silenced (SIGSTOP) for several seconds without the leader key expiring.
public sealed class ResilienceClusterFixture(IMessageSink diagnostics) : SandboxClusterFixture(diagnostics,
    new SandboxOptions { Nodes = 3, SynchronousMode = true, Scope = "fo-shared", Ttl = 20 });

/// <summary>
/// Under continuous writes and reads (the shipped probe workload): a planned switchover, a replica stopped, one
/// REST endpoint silent, every REST endpoint silent. Each test leaves the cluster healthy for the next. These run
/// synchronous with 1 s health checks to check what only fast checks show (refreshes per second, the lease's end);
/// the same faults with the default settings on an asynchronous cluster: DefaultSettingsFaultTests.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class ResilienceTests(ResilienceClusterFixture fixture, ITestOutputHelper output)
    : IClassFixture<ResilienceClusterFixture>
{
    private SandboxCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task PlannedSwitchover_WritesFollowTheNewLeaderWithoutLossOrReplay()
    {
        string oldName = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_switchover");
        ProbeTable idempotentTable = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_switchover_idem");
        await using ProbeWorkload workload = StartProbe(table);
        await using ProbeWorkload idempotentWorkload = StartProbe(idempotentTable, idempotent: true);
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 100, TimeSpan.FromSeconds(30));

        using var rest = new PatroniRestClient(new PatroniApiOptions { Endpoints = [Cluster[oldName].ApiUrl.ToString()] });
        SwitchoverOutcome outcome = await rest.SwitchoverAsync(Cluster[oldName].ApiUrl, oldName, null, null, CancellationToken.None);
        output.WriteLine($"switchover: {outcome}");
        string newName = await Cluster.WaitForNewLeaderAsync(oldName, TimeSpan.FromSeconds(60));
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, s => s == newName, 100, TimeSpan.FromSeconds(60));
        ProbeVerdict verdict = await ProbeVerdict.StopAndVerifyAsync(workload, table, newName);
        ProbeVerdict idempotent = await ProbeVerdict.StopAndVerifyAsync(idempotentWorkload, idempotentTable, newName);
        string description = verdict.Describe() + "idempotent " + idempotent.Describe();
        var events = FailoverAssertions.Drain(session);
        output.WriteLine($"{oldName} → {newName}; {session.Statistics}");
        output.WriteLine(description);
        foreach (var e in events) output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}");

        verdict.AssertSafe(description);
        idempotent.AssertSafe(description);
        Assert.True(!idempotent.Unknown.Any(), description);
        Assert.True(!verdict.Failed.Any() && !idempotent.Failed.Any(), "a write gave up\n" + description);
        Assert.True(verdict.Unknown.Count() <= 3, $"too many outcome-unknown writes\n{description}");
        FailoverAssertions.AssertLeaderChangeSeen(session, events, session.Backend.Writer!.Address, verdict, newName, description);
        FailoverAssertions.AssertReadsKeptGoing(verdict, description);

        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ReplicaStopped_ReadsMoveToOtherMembersAndWritesGoOn()
    {
        string leader = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_replica");
        await using ProbeWorkload workload = StartProbe(table);
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 100, TimeSpan.FromSeconds(30));

        SandboxMember replica = Cluster.Members.First(m => m.Name != leader);
        await replica.StopAsync();
        Assert.True(SpinWait.SpinUntil(() => replica.PostgresPid is null, 15_000), "PostgreSQL of the stopped replica is gone");
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 200, TimeSpan.FromSeconds(30));
        await replica.StartAsync();
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 50, TimeSpan.FromSeconds(30));
        ProbeVerdict verdict = await ProbeVerdict.StopAndVerifyAsync(workload, table, leader);
        string description = verdict.Describe();
        output.WriteLine($"stopped {replica.Name}; {session.Statistics}");
        output.WriteLine(description);
        verdict.AssertSafe(description);
        Assert.True(!verdict.Unknown.Any() && !verdict.Failed.Any(), description);
        Assert.True(verdict.Reads.All(r => r.Succeeded), description);
        Assert.Equal(0, session.Statistics.Failovers);
        Assert.True(verdict.Reads.Count(r => r.Succeeded && r.Server != replica.Name && r.Server != leader) > 0, description);
    }

    [Fact]
    public async Task OneRestEndpointSilent_TopologyStaysFreshAndNothingFails()
    {
        string leader = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_one_api");
        await using ProbeWorkload workload = StartProbe(table);
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 100, TimeSpan.FromSeconds(30));

        // The first configured endpoint, if it is a replica's (a silent leader would lose its key after ttl).
        SandboxMember silent = Cluster.Members.First(m => m.Name != leader);
        long refreshesBefore = session.Statistics.TopologyRefreshes;
        silent.SuspendApi();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
            HealthReport health = await session.GetHealthAsync(CancellationToken.None);
            long refreshes = session.Statistics.TopologyRefreshes - refreshesBefore;
            output.WriteLine($"{silent.Name} silent for 6 s: {refreshes} refreshes, health {health.HaCluster?.ClusterTopology}: " +
                             string.Join("; ", health.HaCluster?.Problems ?? []));
            Assert.True(refreshes >= 3, $"only {refreshes} topology refreshes in 6 s with one endpoint silent");
            Assert.Equal("healthy", health.HaCluster?.ClusterTopology);
        }
        finally
        {
            silent.ResumeApi();
        }
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 50, TimeSpan.FromSeconds(30));
        ProbeVerdict verdict = await ProbeVerdict.StopAndVerifyAsync(workload, table, leader);
        string description = verdict.Describe();
        output.WriteLine(description);
        verdict.AssertSafe(description);
        Assert.True(!verdict.Unknown.Any() && !verdict.Failed.Any(), description);
        Assert.True(verdict.Reads.All(r => r.Succeeded), description);
        Assert.Equal(0, session.Statistics.Failovers);
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Every Patroni frozen for the lease plus 2 s (less than ttl, so no election follows): nobody can confirm the leader, so
    /// writes stop once the lease runs out (the safe default: a leader that cannot be confirmed may have been
    /// replaced) and resume when Patroni answers again; reads go on from the last known topology.
    /// </summary>
    [Fact]
    public async Task EveryRestEndpointSilent_WritesStopWhenTheLeaseRunsOut_ReadsGoOn_HealthSaysWhy()
    {
        string leader = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None, "probe_no_api");
        await using ProbeWorkload workload = StartProbe(table);
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 100, TimeSpan.FromSeconds(30));
        TimeSpan lease = session.Backend.Fence.Lease!.Timing.Length;

        HealthReport? paused = null;
        long silencedAt = Stopwatch.GetTimestamp();
        foreach (SandboxMember m in Cluster.Members) m.SuspendApi();
        try
        {
            var deadline = DateTime.UtcNow + lease + TimeSpan.FromSeconds(2);
            while (DateTime.UtcNow < deadline)
            {
                HealthReport health = await session.GetHealthAsync(CancellationToken.None);
                if (paused is null && health.HaCluster?.Problems.Any(p => p.StartsWith("Writes are paused", StringComparison.Ordinal)) == true)
                    paused = health;
                await Task.Delay(250);
            }
        }
        finally
        {
            foreach (SandboxMember m in Cluster.Members) m.ResumeApi();
        }
        long resumedAt = Stopwatch.GetTimestamp();

        // Once the API answers again the lease is renewed and writes go on by themselves.
        HealthReport? recovered = null;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            recovered = await session.GetHealthAsync(CancellationToken.None);
            if (recovered.HaCluster?.ClusterTopology == "healthy") break;
            await Task.Delay(250);
        }
        await ProbeVerdict.WaitForAcknowledgedAsync(workload, _ => true, 50, TimeSpan.FromSeconds(30));
        ProbeVerdict verdict = await ProbeVerdict.StopAndVerifyAsync(workload, table, leader);
        string description = verdict.Describe();
        double Ms(long ticks) => ProbeVerdict.Ms(workload, ticks);
        output.WriteLine($"silent {Ms(silencedAt):0} → {Ms(resumedAt):0} ms, lease {lease.TotalSeconds:0.#} s; {session.Statistics}");
        output.WriteLine(description);
        output.WriteLine("paused: " + string.Join("; ", paused?.HaCluster?.Problems ?? ["(never)"]));
        output.WriteLine("after: " + recovered?.HaCluster?.ClusterTopology);

        Assert.NotNull(paused);
        Assert.Equal("unhealthy", paused!.HaCluster!.ClusterTopology);
        Assert.Equal("healthy", recovered?.HaCluster?.ClusterTopology);
        verdict.AssertSafe(description);
        // The lease was last renewed before the silence began: nothing is acknowledged after it ran out.
        double leaseEnd = Ms(silencedAt) + lease.TotalMilliseconds;
        Assert.True(!verdict.Writes.Any(w => w.Outcome == ProbeWriteOutcome.Acknowledged && Ms(w.EndedAt) > leaseEnd + 50 && w.EndedAt < resumedAt),
            $"a write was acknowledged after the lease ran out ({leaseEnd:0} ms) while no Patroni answered\n" + description);
        Assert.True(!verdict.Failed.Any(), "writes waited for the lease instead of failing\n" + description);
        Assert.True(verdict.Reads.All(r => r.Succeeded), description);
        Assert.True(verdict.Reads.Count(r => r.Succeeded && Ms(r.StartedAt) > leaseEnd && r.EndedAt < resumedAt) > 0,
            "reads went on while every REST endpoint was silent\n" + description);
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    private Task<ClusterSession> ConnectAsync() =>
        SessionFactory.ConnectAsync(SandboxTestSupport.FastSessionOptions(Cluster), CancellationToken.None);

    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(5);

    private static ProbeWorkload StartProbe(ProbeTable table, bool idempotent = false)
    {
        var workload = new ProbeWorkload(table, Pace, idempotentWrites: idempotent);
        workload.Start(CancellationToken.None);
        return workload;
    }
}
