using PatroniHa.Engine.Configuration;
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
/// Under continuous writes and reads: a planned switchover, a replica stopped, one REST endpoint silent,
/// every REST endpoint silent. Each test leaves the cluster healthy for the next.
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
        await using var workload = new ProbeWorkload(session, "probe_switchover", withIdempotentWriter: true);
        await workload.StartAsync();
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 100, TimeSpan.FromSeconds(30));

        using var rest = new PatroniRestClient(new PatroniApiOptions { Endpoints = [Cluster[oldName].ApiUrl.ToString()] });
        SwitchoverOutcome outcome = await rest.SwitchoverAsync(Cluster[oldName].ApiUrl, oldName, null, null, CancellationToken.None);
        output.WriteLine($"switchover: {outcome}");
        string newName = await Cluster.WaitForNewLeaderAsync(oldName, TimeSpan.FromSeconds(60));
        await workload.WaitForAcknowledgedWritesAsync(s => s == newName, 100, TimeSpan.FromSeconds(60));
        await workload.StopAsync();

        Verdict verdict = await workload.VerifyAsync(Cluster, Cluster[newName]);
        Verdict idempotent = await workload.VerifyAsync(Cluster, Cluster[newName], workload.IdempotentTable, workload.IdempotentWrites);
        string description = workload.Describe(verdict);
        var events = FailoverAssertions.Drain(session);
        output.WriteLine($"{oldName} → {newName}; {session.Statistics}");
        output.WriteLine(description);
        foreach (var e in events) output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}");

        verdict.AssertSafe(description);
        idempotent.AssertSafe(description);
        Assert.True(idempotent.Unknown.Count == 0, description);
        Assert.True(verdict.Failed.Count == 0 && idempotent.Failed.Count == 0, "a write gave up\n" + description);
        Assert.True(verdict.Unknown.Count <= 3, $"too many outcome-unknown writes\n{description}");
        FailoverAssertions.AssertLeaderChangeSeen(session, events, session.Backend.Writer!.Address, workload, newName, description);
        FailoverAssertions.AssertReadsKeptGoing(workload, description);

        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ReplicaStopped_ReadsMoveToOtherMembersAndWritesGoOn()
    {
        string leader = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        await using var workload = new ProbeWorkload(session, "probe_replica");
        await workload.StartAsync();
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 100, TimeSpan.FromSeconds(30));

        SandboxMember replica = Cluster.Members.First(m => m.Name != leader);
        await replica.StopAsync();
        Assert.True(SpinWait.SpinUntil(() => replica.PostgresPid is null, 15_000), "PostgreSQL of the stopped replica is gone");
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 200, TimeSpan.FromSeconds(30));
        await replica.StartAsync();
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 50, TimeSpan.FromSeconds(30));
        await workload.StopAsync();

        Verdict verdict = await workload.VerifyAsync(Cluster, Cluster[leader]);
        string description = workload.Describe(verdict);
        output.WriteLine($"stopped {replica.Name}; {session.Statistics}");
        output.WriteLine(description);
        verdict.AssertSafe(description);
        Assert.True(verdict.Unknown.Count == 0 && verdict.Failed.Count == 0, description);
        Assert.True(workload.Reads.All(r => r.Ok), description);
        Assert.Equal(0, session.Statistics.Failovers);
        Assert.True(workload.Reads.Count(r => r.Ok && r.Server != replica.Name && r.Server != leader) > 0, description);
    }

    [Fact]
    public async Task OneRestEndpointSilent_TopologyStaysFreshAndNothingFails()
    {
        string leader = await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await using ClusterSession session = await ConnectAsync();
        await using var workload = new ProbeWorkload(session, "probe_one_api");
        await workload.StartAsync();
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 100, TimeSpan.FromSeconds(30));

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
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 50, TimeSpan.FromSeconds(30));
        await workload.StopAsync();

        Verdict verdict = await workload.VerifyAsync(Cluster, Cluster[leader]);
        string description = workload.Describe(verdict);
        output.WriteLine(description);
        verdict.AssertSafe(description);
        Assert.True(verdict.Unknown.Count == 0 && verdict.Failed.Count == 0, description);
        Assert.True(workload.Reads.All(r => r.Ok), description);
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
        await using var workload = new ProbeWorkload(session, "probe_no_api");
        await workload.StartAsync();
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 100, TimeSpan.FromSeconds(30));
        TimeSpan lease = session.Backend.Fence.Lease!.Timing.Length;

        HealthReport? paused = null;
        double silencedAt = workload.NowMs;
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
        double resumedAt = workload.NowMs;

        // Once the API answers again the lease is renewed and writes go on by themselves.
        HealthReport? recovered = null;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            recovered = await session.GetHealthAsync(CancellationToken.None);
            if (recovered.HaCluster?.ClusterTopology == "healthy") break;
            await Task.Delay(250);
        }
        await workload.WaitForAcknowledgedWritesAsync(_ => true, 50, TimeSpan.FromSeconds(30));
        await workload.StopAsync();

        Verdict verdict = await workload.VerifyAsync(Cluster, Cluster[leader]);
        string description = workload.Describe(verdict);
        output.WriteLine($"silent {silencedAt:0} → {resumedAt:0} ms, lease {lease.TotalSeconds:0.#} s; {session.Statistics}");
        output.WriteLine(description);
        output.WriteLine("paused: " + string.Join("; ", paused?.HaCluster?.Problems ?? ["(never)"]));
        output.WriteLine("after: " + recovered?.HaCluster?.ClusterTopology);

        Assert.NotNull(paused);
        Assert.Equal("unhealthy", paused!.HaCluster!.ClusterTopology);
        Assert.Equal("healthy", recovered?.HaCluster?.ClusterTopology);
        verdict.AssertSafe(description);
        // The lease was last renewed before the silence began: nothing is acknowledged after it ran out.
        double leaseEnd = silencedAt + lease.TotalMilliseconds;
        Assert.True(!workload.Writes.Any(w => w.Outcome == WriteOutcome.Acknowledged && w.EndMs > leaseEnd + 50 && w.EndMs < resumedAt),
            $"a write was acknowledged after the lease ran out ({leaseEnd:0} ms) while no Patroni answered\n" + description);
        Assert.True(verdict.Failed.Count == 0, "writes waited for the lease instead of failing\n" + description);
        Assert.True(workload.Reads.All(r => r.Ok), description);
        Assert.True(workload.Reads.Count(r => r.Ok && r.StartMs > leaseEnd && r.EndMs < resumedAt) > 0,
            "reads went on while every REST endpoint was silent\n" + description);
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    private Task<ClusterSession> ConnectAsync() =>
        SessionFactory.ConnectAsync(ProbeWorkload.Options(Cluster), CancellationToken.None);
}
