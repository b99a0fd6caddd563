using System.Net;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;
using PatroniHa.Engine.Tests.Patroni;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Modes;

/// <summary>
/// Patroni REST basic auth through the engine's REST client: a change request (POST /switchover) needs the
/// credential, and the credential never travels over plain http unless AllowCredentialOverHttp.
/// The switchovers asked for here name a leader that does not exist, so Patroni answers (412) only once it
/// has accepted the credential, and the cluster is never changed.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class RestAuthenticationTests(ITestOutputHelper output)
{
    private const string NoSuchLeader = "no-such-member";

    [Fact]
    [Trait("Category", "Sandbox")]
    public async Task A_change_request_needs_the_credential_over_https()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        var credential = new NetworkCredential("patroni-admin", "api-" + Guid.NewGuid().ToString("N"));
        await using var cluster = await SandboxCluster.StartAsync(
            new SandboxOptions { Nodes = 1, Scope = "restauth", Tls = true, ApiCredential = credential }, output.WriteLine);
        Uri endpoint = cluster.ApiEndpoints[0];
        Assert.Equal("https", endpoint.Scheme);

        PatroniApiOptions Options(NetworkCredential? c) => new()
        {
            Endpoints = [endpoint.ToString()],
            RootCertificate = cluster.CaCertificatePath,
            Credential = c,
        };

        // Reads need no credential.
        using (var anonymous = new PatroniRestClient(Options(null)))
        {
            ClusterSnapshot snapshot = await anonymous.GetClusterAsync(endpoint, CancellationToken.None);
            Assert.NotNull(snapshot.Leader);

            // A change without the credential is refused (401) with advice naming -ApiCredential.
            var refused = await Assert.ThrowsAsync<PatroniHaException>(() =>
                anonymous.SwitchoverAsync(endpoint, NoSuchLeader, null, null, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.AuthenticationFailed, refused.ErrorId);
            Assert.Equal(FailureKind.AuthenticationError, refused.Kind);
            Assert.Contains("401", refused.Message);
            Assert.Contains("restapi.authentication", refused.Message);
        }

        // A wrong password is refused too, and not echoed.
        var wrong = new NetworkCredential(credential.UserName, "wrong-" + Guid.NewGuid().ToString("N"));
        using (var client = new PatroniRestClient(Options(wrong)))
        {
            var refused = await Assert.ThrowsAsync<PatroniHaException>(() =>
                client.SwitchoverAsync(endpoint, NoSuchLeader, null, null, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.AuthenticationFailed, refused.ErrorId);
            Assert.DoesNotContain(wrong.Password, refused.ToString());
        }

        // The right credential gets past authentication: Patroni now judges the request itself (412).
        using (var client = new PatroniRestClient(Options(credential)))
        {
            var judged = await Assert.ThrowsAsync<PatroniHaException>(() =>
                client.SwitchoverAsync(endpoint, NoSuchLeader, null, null, CancellationToken.None));
            output.WriteLine(judged.Message);
            Assert.Equal(PatroniErrorIds.SwitchoverFailed, judged.ErrorId);
            Assert.Contains("HTTP 412", judged.Message);
            Assert.DoesNotContain(credential.Password, judged.ToString());
        }
        Assert.Equal(cluster.Members[0].Name, await cluster.GetLeaderNameAsync());
    }

    [Fact]
    public async Task The_credential_is_never_sent_over_http_unless_allowed()
    {
        var credential = new NetworkCredential("patroni-admin", "api-" + Guid.NewGuid().ToString("N"));
        await using var server = new FakePatroniServer(_ => new FakeResponse(412, "leader name does not match", "text/plain"));

        using (var client = new PatroniRestClient(new PatroniApiOptions { Endpoints = [server.Endpoint.ToString()], Credential = credential }))
        {
            var refused = await Assert.ThrowsAsync<PatroniHaException>(() =>
                client.SwitchoverAsync(server.Endpoint, NoSuchLeader, null, null, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.InvalidConfiguration, refused.ErrorId);
            Assert.Equal(FailureKind.SecurityError, refused.Kind);
            Assert.Contains("plain http", refused.Message);
            Assert.DoesNotContain(credential.Password, refused.ToString());
        }
        Assert.Empty(server.Requests); // nothing was sent at all

        using (var client = new PatroniRestClient(new PatroniApiOptions
               {
                   Endpoints = [server.Endpoint.ToString()], Credential = credential, AllowCredentialOverHttp = true,
               }))
        {
            var judged = await Assert.ThrowsAsync<PatroniHaException>(() =>
                client.SwitchoverAsync(server.Endpoint, NoSuchLeader, null, null, CancellationToken.None));
            Assert.Equal(PatroniErrorIds.SwitchoverFailed, judged.ErrorId);
        }
        FakeRequest sent = Assert.Single(server.Requests);
        Assert.Equal("POST", sent.Method);
        string expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}"));
        Assert.Equal(expected, sent.Headers.First(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Value);

        // GETs never carry the credential, not even when it is allowed over http.
        await using var reads = new FakePatroniServer(_ => new FakeResponse(200, Payloads.Read("4.0.4", "cluster.json")));
        using (var client = new PatroniRestClient(new PatroniApiOptions
               {
                   Endpoints = [reads.Endpoint.ToString()], Credential = credential, AllowCredentialOverHttp = true,
               }))
            await client.GetClusterAsync(reads.Endpoint, CancellationToken.None);
        Assert.DoesNotContain(Assert.Single(reads.Requests).Headers.Keys, k => k.Equals("Authorization", StringComparison.OrdinalIgnoreCase));
    }
}
