using System.Diagnostics;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>The member operations behave like the failures they simulate.</summary>
[Collection(OwnClusterCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillingTheLeaderElectsANewWritableLeaderAndTheOldOneRejoins()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(new SandboxOptions { Scope = "failover" }, output.WriteLine);
        var old = cluster[await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30))];

        var sw = Stopwatch.StartNew();
        old.KillPatroni();
        old.KillPostgres();
        Assert.Null(old.PatroniPid);
        Assert.Null(old.PostgresPid);

        var newLeader = cluster[await cluster.WaitForNewLeaderAsync(old.Name, TimeSpan.FromSeconds(60))];
        output.WriteLine($"new leader {newLeader.Name} after {sw.Elapsed.TotalSeconds:0.0} s");
        Assert.NotEqual(old.Name, newLeader.Name);
        await WaitWritableAsync(cluster, newLeader, TimeSpan.FromSeconds(10));
        output.WriteLine($"new leader writable after {sw.Elapsed.TotalSeconds:0.0} s");

        // The old leader comes back as a replica (pg_rewind) and the cluster is whole again.
        await old.StartAsync();
        Assert.NotNull(old.PatroniPid);
        Assert.Equal(newLeader.Name, await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)));
        Assert.True(await SandboxTestSupport.ScalarAsync<bool>(cluster, old, "SELECT pg_is_in_recovery()"));
        output.WriteLine($"old leader rejoined after {sw.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task SuspendedApiHangsAndResumes()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 1, Scope = "suspend" }, output.WriteLine);
        var member = cluster.Members[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };

        member.SuspendApi();
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => http.GetAsync(new Uri(member.ApiUrl, "/patroni")));
        member.ResumeApi();
        using var response = await http.GetAsync(new Uri(member.ApiUrl, "/patroni"));
        Assert.True(response.IsSuccessStatusCode);

        await member.StopAsync();
        Assert.Null(member.PatroniPid);
        Assert.True(SpinWait.SpinUntil(() => member.PostgresPid is null, 10_000), "Patroni stops PostgreSQL on SIGTERM");
    }

    // Patroni names the leader in the DCS a moment before promotion finishes.
    private static async Task WaitWritableAsync(SandboxCluster cluster, SandboxMember member, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (!await SandboxTestSupport.ScalarAsync<bool>(cluster, member, "SELECT pg_is_in_recovery()")) return;
            }
            catch (Npgsql.NpgsqlException) when (sw.Elapsed < timeout) { }
            Assert.True(sw.Elapsed < timeout, $"{member.Name} did not become writable within {timeout}");
            await Task.Delay(200);
        }
    }
}
