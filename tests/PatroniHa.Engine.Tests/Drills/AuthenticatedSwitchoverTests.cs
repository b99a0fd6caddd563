using System.Net;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Drills;

/// <summary>
/// Switchover against a cluster whose REST API requires basic auth (restapi.authentication): a per-command
/// credential overrides the session's, a wrong one is PatroniAuthenticationFailed, and the session follows.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class AuthenticatedSwitchoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Switchover_sends_the_api_credential_and_the_session_follows_the_new_leader()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        var apiUser = new NetworkCredential("patroni", "s3cret-" + Guid.NewGuid().ToString("N")[..8]);
        await using var cluster = await SandboxCluster.StartAsync(
            new SandboxOptions { Nodes = 2, Scope = "authswitch", ApiCredential = apiUser }, output.WriteLine);
        var api = new PatroniApiOptions
        {
            Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList(),
            Credential = apiUser,
        };
        await using ClusterSession session = await SessionFactory.ConnectAsync(
            new ClusterOptions { Api = api, Credential = cluster.Superuser }, CancellationToken.None);
        string leader = session.Backend.Writer!.Name;

        // Plain http: the credential is not sent unless the session allows it.
        using (DrillApi refused = DrillApi.For(session, null))
        {
            var e = await Assert.ThrowsAsync<PatroniHaException>(() => ClusterChange.SwitchoverAsync(refused, null, null,
                TimeSpan.FromSeconds(30), _ => { }, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        }

        await using ClusterSession allowed = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = api with { AllowCredentialOverHttp = true },
            Credential = cluster.Superuser,
        }, CancellationToken.None);

        using (DrillApi wrong = DrillApi.For(allowed, new NetworkCredential("patroni", "wrong")))
        {
            var e = await Assert.ThrowsAsync<PatroniHaException>(() => ClusterChange.SwitchoverAsync(wrong, null, null,
                TimeSpan.FromSeconds(30), _ => { }, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.AuthenticationFailed, e.ErrorId);
            Assert.DoesNotContain(apiUser.Password, e.Message);
        }

        using DrillApi right = DrillApi.For(allowed, null);
        var steps = new List<string>();
        ChangeResult r = await ClusterChange.SwitchoverAsync(right, null, null, TimeSpan.FromSeconds(60), steps.Add,
            CancellationToken.None);
        output.WriteLine($"{r.Message} ({r.HttpStatus}) in {r.Elapsed.TotalSeconds:0.0} s; {string.Join(" / ", steps)}");
        Assert.Equal(SwitchoverStatus.Completed, r.Status);
        Assert.Equal(leader, r.OldLeader);
        Assert.NotEqual(leader, r.NewLeader);
        Assert.Equal(r.NewLeader, r.After.Leader!.Name);
        // The session that asked follows at once, not at its next 30 s refresh.
        Assert.Equal(r.NewLeader, allowed.Backend.Writer!.Name);
    }
}
