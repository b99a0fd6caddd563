using System.Diagnostics;
using System.Text.Json.Nodes;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PatroniHa.Engine.Tests.Administration;

/// <summary>One 3-node sandbox for the administration scenarios that change the cluster.</summary>
public sealed class AdministrationSandbox(IMessageSink diagnostics)
    : SandboxClusterFixture(diagnostics, new SandboxOptions { Scope = "admin" });

/// <summary>
/// Rolling restart under a session's write workload, pause + leader kill, and reinitializing a replica, on one
/// cluster of this class's own. Sessions use the default settings (30 s health checks, asynchronous replication).
/// Every test starts by waiting for a healthy cluster with all three members, and leaves one behind.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class AdministrationClusterTests(AdministrationSandbox sandbox, ITestOutputHelper output)
    : IClassFixture<AdministrationSandbox>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    private SandboxCluster Cluster => sandbox.Cluster;

    private Task<ClusterSession> ConnectAsync() => SessionFactory.ConnectAsync(new ClusterOptions
    {
        Api = new PatroniApiOptions { Endpoints = Cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = Cluster.Superuser,
    }, CancellationToken.None);

    private async Task<ClusterSnapshot> HealthyAsync(DrillApi api, int members = 3)
    {
        await ClusterConditions.WaitAsync(api, ClusterCondition.Healthy, null, null, Long, s => output.WriteLine(s), default);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            ClusterSnapshot c = await api.GetClusterAsync(default);
            if (c.Members.Count == members && ClusterConditions.HealthProblem(c, ClusterConditions.DefaultMaxLagBytes) is null)
                return c;
            Assert.True(sw.Elapsed < Long, $"not {members} healthy members: {string.Join(", ", c.Members)}");
            await Task.Delay(500);
        }
    }

    private static async Task<long> ShowAsync(ClusterSession session, string setting) =>
        long.Parse((string)(await session.ExecuteAsync(new QueryRequest($"SHOW {setting}") { Shape = QueryShape.Scalar }, null, default)).Value!);

    [Fact]
    public async Task A_change_needing_a_restart_shows_as_pending_and_the_rolling_restart_clears_it_losing_no_write()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        ClusterSnapshot before = await HealthyAsync(api);
        long maxConnections = await ShowAsync(session, "max_connections");
        var patch = new JsonObject { ["postgresql"] = new JsonObject { ["parameters"] = new JsonObject { ["max_connections"] = maxConnections + 10 } } };

        ConfigUpdate preview = await ClusterConfiguration.PreviewAsync(api, patch, replace: false, default);
        ConfigChange change = Assert.Single(preview.Changes);
        Assert.Equal("postgresql.parameters.max_connections", change.Path);
        Assert.Equal((maxConnections + 10).ToString(), change.NewValue);
        Assert.Contains("max_connections", preview.RestartRequired);
        PatroniDynamicConfig after = await ClusterConfiguration.SendAsync(api, patch, replace: false, default);
        Assert.Equal((maxConnections + 10).ToString(), after.Raw.GetProperty("postgresql").GetProperty("parameters").GetProperty("max_connections").ToString());

        // Every member reports the pending restart once its Patroni has applied the configuration (loop_wait).
        ClusterSnapshot pending = await api.GetClusterAsync(default);
        var sw = Stopwatch.StartNew();
        while (!pending.Members.All(m => m.PendingRestart))
        {
            Assert.True(sw.Elapsed < Long, "no pending restart shown: " + string.Join(", ", pending.Members.Select(m => $"{m.Name}={m.PendingRestart}")));
            await Task.Delay(500);
            pending = await api.GetClusterAsync(default);
        }
        Assert.Equal("pending restart on " + string.Join(", ", pending.Members.Select(m => m.Name)),
            await ClusterConditions.CheckAsync(api, ClusterCondition.NoPendingRestart, null, 0, default));

        ProbeTable table = await ProbeTable.CreateAsync(session, default);
        var workload = new ProbeWorkload(table, TimeSpan.FromMilliseconds(20));
        var steps = new List<RollingRestartStep>();
        try
        {
            workload.Start(default);
            Assert.NotNull(await workload.WaitForWriteAsync(before.Leader!.Name, workload.StartedAt, Long, default));
            await RollingRestart.RunAsync(api, new RollingRestartOptions { PendingOnly = true }, steps.Add,
                s => output.WriteLine(s), default);
            // Let the workload write on the new leader before stopping it.
            ClusterSnapshot now = await api.GetClusterAsync(default);
            Assert.NotNull(await workload.WaitForWriteAsync(now.Leader!.Name, Stopwatch.GetTimestamp(), Long, default));
        }
        finally
        {
            await workload.StopAsync();
        }
        var (rows, _) = await table.ReadBackAsync(default);
        ProbeAccount account = ProbeAccounting.Compute(workload.Writes, rows);
        await table.DropAsync(default);
        foreach (RollingRestartStep s in steps)
            output.WriteLine($"{s.Step}. {s.Member} ({s.RoleBefore}) {s.Action} {s.NewLeader} {s.Elapsed.TotalSeconds:0.0} s: {s.Message}");
        output.WriteLine($"writes: attempted {account.Attempted}, acknowledged {account.Acknowledged}, lost {account.Lost}, " +
            $"duplicated {account.Duplicated}, failed-but-committed {account.FailedButCommitted}, unexpected {account.Unexpected}");

        Assert.True(account.Consistent, "writes were lost or duplicated");
        Assert.True(account.Acknowledged > 10);
        var replicas = before.Replicas.Select(r => r.Name).Order().ToList();
        Assert.Equal(replicas, steps.Take(2).Select(s => s.Member));
        Assert.All(steps.Take(2), s => Assert.Equal("Restarted", s.Action));
        Assert.Equal(before.Leader!.Name, steps[2].Member);
        Assert.Equal("SwitchedOver", steps[2].Action);
        Assert.Contains(steps[2].NewLeader, replicas);

        ClusterSnapshot end = await HealthyAsync(api);
        Assert.Null(await ClusterConditions.CheckAsync(api, ClusterCondition.NoPendingRestart, null, 0, default));
        Assert.Equal(steps[2].NewLeader, end.Leader!.Name);
        Assert.Equal(maxConnections + 10, await ShowAsync(session, "max_connections"));
    }

    [Fact]
    public async Task A_pending_decrease_of_max_connections_restarts_the_leader_first_in_place_losing_no_write()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        ClusterSnapshot before = await HealthyAsync(api);
        string leader = before.Leader!.Name;
        long maxConnections = await ShowAsync(session, "max_connections");
        var patch = new JsonObject { ["postgresql"] = new JsonObject { ["parameters"] = new JsonObject { ["max_connections"] = maxConnections - 5 } } };
        await ClusterConfiguration.SendAsync(api, patch, replace: false, default);
        var sw = Stopwatch.StartNew();
        while (!(await api.GetClusterAsync(default)).Members.Single(m => m.Name == leader).PendingRestart)
        {
            Assert.True(sw.Elapsed < Long, "the leader never showed the pending restart");
            await Task.Delay(500);
        }

        ProbeTable table = await ProbeTable.CreateAsync(session, default);
        var workload = new ProbeWorkload(table, TimeSpan.FromMilliseconds(20));
        var steps = new List<RollingRestartStep>();
        try
        {
            workload.Start(default);
            Assert.NotNull(await workload.WaitForWriteAsync(leader, workload.StartedAt, Long, default));
            await RollingRestart.RunAsync(api, new RollingRestartOptions { PendingOnly = true }, steps.Add,
                s => output.WriteLine(s), default);
            Assert.NotNull(await workload.WaitForWriteAsync(leader, Stopwatch.GetTimestamp(), Long, default));
        }
        finally
        {
            await workload.StopAsync();
        }
        var (rows, _) = await table.ReadBackAsync(default);
        ProbeAccount account = ProbeAccounting.Compute(workload.Writes, rows);
        await table.DropAsync(default);
        foreach (RollingRestartStep s in steps)
            output.WriteLine($"{s.Step}. {s.Member} ({s.RoleBefore}) {s.Action} {s.Elapsed.TotalSeconds:0.0} s: {s.Message}");
        output.WriteLine($"writes: attempted {account.Attempted}, acknowledged {account.Acknowledged}, lost {account.Lost}, " +
            $"duplicated {account.Duplicated}, failed-but-committed {account.FailedButCommitted}, unexpected {account.Unexpected}");

        Assert.True(account.Consistent, "writes were lost or duplicated");
        Assert.Equal(leader, steps[0].Member);
        Assert.Equal("RestartedInPlace", steps[0].Action);
        Assert.DoesNotContain(steps.Skip(1), s => s.Member == leader);
        ClusterSnapshot end = await HealthyAsync(api);
        Assert.Equal(leader, end.Leader!.Name);
        Assert.Equal(maxConnections - 5, await ShowAsync(session, "max_connections"));
        var e = await Record.ExceptionAsync(() => ClusterConditions.WaitAsync(api, ClusterCondition.NoPendingRestart, null, null, Long, _ => { }, default));
        Assert.Null(e);
    }

    [Fact]
    public async Task Pause_then_a_leader_kill_leaves_the_cluster_leaderless_until_it_is_resumed()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        ClusterSnapshot before = await HealthyAsync(api);
        string leader = before.Leader!.Name;
        bool was = await ClusterConfiguration.SetPauseAsync(api, true, TimeSpan.FromSeconds(60), s => output.WriteLine(s), default);
        Assert.False(was);
        Assert.Null(await ClusterConditions.CheckAsync(api, ClusterCondition.Paused, null, 0, default));
        Assert.True((await ClusterConfiguration.GetOrEmptyAsync(api, default)).Paused);
        try
        {
            Cluster[leader].Kill();
            // The leader key expires after ttl; paused Patroni elects no one.
            var sw = Stopwatch.StartNew();
            ClusterSnapshot c = await api.GetClusterAsync(default);
            while (c.Leader is not null)
            {
                Assert.True(sw.Elapsed < Long, "the dead leader's key never expired");
                await Task.Delay(500);
                c = await api.GetClusterAsync(default);
            }
            // Still nobody after another ttl and more: a paused cluster does not fail over by itself.
            var window = Stopwatch.StartNew();
            while (window.Elapsed < TimeSpan.FromSeconds(15))
            {
                c = await api.GetClusterAsync(default);
                Assert.Null(c.Leader);
                await Task.Delay(1000);
            }
            Assert.True(c.Paused);
            Assert.Equal("there is no leader", await ClusterConditions.CheckAsync(api, ClusterCondition.Healthy, null, 0, default));
            var e = await Assert.ThrowsAsync<PatroniHaException>(() =>
                ClusterConditions.WaitAsync(api, ClusterCondition.Healthy, null, null, TimeSpan.FromSeconds(2), _ => { }, default));
            Assert.Equal(PatroniErrorIds.WaitTimeout, e.ErrorId);
            Assert.Contains("there is no leader", e.Message);
        }
        finally
        {
            Assert.True(await ClusterConfiguration.SetPauseAsync(api, false, TimeSpan.FromSeconds(60), s => output.WriteLine(s), default));
        }
        ClusterSnapshot resumed = await ClusterConditions.WaitAsync(api, ClusterCondition.Healthy, null, null, Long, s => output.WriteLine(s), default);
        Assert.NotEqual(leader, resumed.Leader!.Name);
        await Cluster[leader].StartAsync();
        await HealthyAsync(api);
    }

    [Fact]
    public async Task Reinitializing_a_replica_brings_it_back_streaming_and_the_leader_is_refused()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        ClusterSnapshot before = await HealthyAsync(api);
        string replica = before.Replicas.First().Name;

        var refused = await Assert.ThrowsAsync<PatroniHaException>(() =>
            MemberActions.ReinitializeAsync(api, before.Leader!.Name, false, false, null, _ => { }, default));
        Assert.Equal(PatroniErrorIds.ReinitializeRefused, refused.ErrorId);
        var old = await Assert.ThrowsAsync<PatroniHaException>(() =>
            MemberActions.ReinitializeAsync(api, replica, false, fromLeader: true, null, _ => { }, default));
        Assert.Equal(PatroniErrorIds.FeatureNotSupported, old.ErrorId);
        Assert.Contains("3.0.2", old.Message);

        DateTimeOffset? startedBefore = (await api.Client.GetNodeStatusAsync(Cluster[replica].ApiUrl, default)).PostmasterStartTime;
        MemberActionResult r = await MemberActions.ReinitializeAsync(api, replica, false, false, Long, s => output.WriteLine(s), default);
        Assert.Equal(MemberActionStatus.Done, r.Status);
        PatroniNodeStatus after = await api.Client.GetNodeStatusAsync(Cluster[replica].ApiUrl, default);
        Assert.Equal("running", after.State);
        Assert.Equal(MemberRole.Replica, after.Role);
        Assert.NotNull(after.ReceivedLocation);
        Assert.NotEqual(startedBefore, after.PostmasterStartTime);
        await HealthyAsync(api);
    }
}
