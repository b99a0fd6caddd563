using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Drills;

/// <summary>
/// Observe drills on the shared cluster (they only write to their own probe table, never move the leader):
/// a quiet run passes and says nothing happened; a cancelled run still drops its probe table.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class DrillTests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private Task<ClusterSession> ConnectAsync() => SessionFactory.ConnectAsync(new ClusterOptions
    {
        Api = new PatroniApiOptions { Endpoints = fixture.Cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = fixture.Cluster.Superuser,
    }, CancellationToken.None);

    private async Task<long> ProbeTablesAsync(ClusterSession session, string name)
    {
        string leader = (await session.GetTopologyAsync(true, CancellationToken.None)).Single(m => m.IsLeader).Name;
        return await SandboxTestSupport.ScalarAsync<long>(fixture.Cluster, fixture.Cluster[leader],
            $"SELECT count(*) FROM pg_tables WHERE tablename = '{name}'");
    }

    [Fact]
    public async Task A_quiet_observe_drill_passes_and_notes_that_the_leader_did_not_change()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        var progress = new List<string>();
        string name = ProbeTable.NewName();
        DrillReport r = await FailoverDrill.RunAsync(api, new DrillOptions
        {
            Kind = DrillKind.Observe,
            Duration = TimeSpan.FromSeconds(2),
            ProbeTableName = name,
        }, (s, _) => { lock (progress) progress.Add(s); }, CancellationToken.None);

        output.WriteLine(string.Join(Environment.NewLine, r.Notes));
        Assert.True(r.Passed);
        Assert.Equal(r.OldPrimary, r.NewPrimary);
        Assert.Equal(r.TimelineBefore, r.TimelineAfter);
        Assert.Equal(0, r.Writes.Lost);
        Assert.True(r.Writes.Acknowledged > 10);
        Assert.Equal(r.Writes.Acknowledged, r.Writes.Attempted);
        Assert.True(r.ReadsSucceeded > 10);
        Assert.Contains(r.Notes, n => n.Contains("did not change"));
        Assert.True(r.ProbeTableRemoved);
        Assert.Contains(progress, p => p.StartsWith("Observing for", StringComparison.Ordinal));
        Assert.Equal(0L, await ProbeTablesAsync(session, name));
    }

    [Fact]
    public async Task A_cancelled_drill_still_drops_its_probe_table()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        string name = ProbeTable.NewName();
        using var cts = new CancellationTokenSource();
        Task<DrillReport> drill = FailoverDrill.RunAsync(api, new DrillOptions
        {
            Kind = DrillKind.Observe,
            Duration = TimeSpan.FromSeconds(60),
            ProbeTableName = name,
        }, (s, _) =>
        {
            if (s.StartsWith("Observing", StringComparison.Ordinal))
                cts.Cancel(); // Ctrl+C while the probe runs
        }, cts.Token);

        await Assert.ThrowsAnyAsync<Exception>(() => drill);
        Assert.True(drill.IsCanceled || drill.Exception!.InnerException is OperationCanceledException or PatroniHaException,
            drill.Exception?.ToString());
        Assert.Equal(0L, await ProbeTablesAsync(session, name));
    }

    [Fact]
    public async Task A_switchover_drill_with_a_candidate_that_cannot_take_over_does_not_start()
    {
        await using ClusterSession session = await ConnectAsync();
        using DrillApi api = DrillApi.For(session, null);
        string leader = (await session.GetTopologyAsync(true, CancellationToken.None)).Single(m => m.IsLeader).Name;
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => FailoverDrill.RunAsync(api,
            new DrillOptions { Candidate = leader }, (_, _) => { }, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.FailoverNotReady, e.ErrorId);
        Assert.Contains("is the leader already", e.Message);
    }
}
