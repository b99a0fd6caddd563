using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>A sandbox with TLS on PostgreSQL and the REST API, and REST API authentication.</summary>
[Collection(OwnClusterCollection.Name)]
public sealed class TlsSandboxTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TlsAndApiAuthenticationWork()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        var credential = new NetworkCredential("patroni-admin", "api-secret-1");
        await using var cluster = await SandboxCluster.StartAsync(
            new SandboxOptions { Nodes = 2, Scope = "tls", Tls = true, ApiCredential = credential }, output.WriteLine);

        Assert.All(cluster.ApiEndpoints, u => Assert.Equal("https", u.Scheme));
        Assert.True(File.Exists(cluster.CaCertificatePath));
        Assert.Same(credential, cluster.ApiCredential);
        var leader = cluster[await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30))];

        // PostgreSQL: verify-full against the sandbox CA works, plaintext is refused (hostssl).
        var secure = new NpgsqlConnectionStringBuilder(SandboxTestSupport.ConnectionString(cluster, leader))
        {
            SslMode = SslMode.VerifyFull,
            RootCertificate = cluster.CaCertificatePath,
        };
        await using (var connection = new NpgsqlConnection(secure.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
            Assert.True((bool)(await command.ExecuteScalarAsync())!);
        }
        var plain = new NpgsqlConnectionStringBuilder(secure.ConnectionString) { SslMode = SslMode.Disable };
        await using (var connection = new NpgsqlConnection(plain.ConnectionString))
            await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        // REST API: https trusted through the CA; changes need the credential.
        using var http = new HttpClient(TrustingHandler(cluster.CaCertificatePath!));
        using (var get = await http.GetAsync(new Uri(cluster.ApiEndpoints[0], "/cluster")))
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var patchUri = new Uri(leader.ApiUrl, "/config");
        using (var anonymous = await http.PatchAsync(patchUri, new StringContent("{\"ttl\": 10}")))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var authorized = new HttpRequestMessage(HttpMethod.Patch, patchUri) { Content = new StringContent("{\"ttl\": 10}") };
        authorized.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}")));
        using (var response = await http.SendAsync(authorized))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpMessageHandler TrustingHandler(string caPath)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert) && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            },
        };
    }
}
