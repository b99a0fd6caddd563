using System.Management.Automation;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Module.Tests.Security;

/// <summary>
/// TLS on PostgreSQL and on Patroni's REST API, REST authentication settings, and no password in any stream,
/// against a sandbox with TLS everywhere and REST basic auth.
/// </summary>
[Collection(TlsSandboxCollection.Name)]
public class SecurityTests(TlsSandboxFixture cluster, ITestOutputHelper output)
{
    private const string Tls = "-SslMode VerifyFull -RootCertificate $ca -ApiRootCertificate $ca";

    private Dictionary<string, object?> Vars(params (string Name, object? Value)[] extra)
    {
        Dictionary<string, object?> vars = cluster.Variables();
        foreach (var (name, value) in extra)
            vars[name] = value;
        return vars;
    }

    [Fact]
    public void VerifyFull_with_the_sandbox_CA_connects_and_every_connection_is_encrypted()
    {
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok($"Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred {Tls} -ApiCredential $api", Vars()).Single();
        Assert.Equal("PatroniHa", session.Properties["Mode"].Value);
        Assert.All((string[])session.Properties["ApiEndpoint"].Value, e => Assert.StartsWith("https://", e));
        const string Ssl = "SELECT ssl, pg_is_in_recovery() AS standby FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        PSObject write = ps.Ok($"Invoke-PatroniQuery '{Ssl}'").Single();
        Assert.Equal(true, write.Properties["ssl"].Value);
        Assert.Equal(false, write.Properties["standby"].Value);
        PSObject read = ps.Ok($"Invoke-PatroniQuery '{Ssl}' -ReadOnly").Single();
        Assert.Equal(true, read.Properties["ssl"].Value);
        Assert.Equal(true, read.Properties["standby"].Value);
        Assert.Equal("healthy", ps.Ok("(Get-PatroniHealth).HaCluster.ClusterTopology").Single().BaseObject);
    }

    [Fact]
    public void VerifyFull_rejects_a_server_whose_certificate_does_not_match()
    {
        int port = cluster.PgPorts[0];
        using var ps = new PowerShellSession();
        string Single(string host, string mode, string ca = "$ca") =>
            $"Connect-PatroniCluster -SingleNode -HostName {host} -Port {port} -Credential $cred -SslMode {mode} -RootCertificate {ca}";

        // The certificate names 127.0.0.1 and localhost.
        ps.Ok(Single("127.0.0.1", "VerifyFull") + " -Name byip", Vars());
        ps.Ok(Single("localhost", "VerifyFull") + " -Name byname", Vars());

        // This machine's host name resolves to loopback too, but is not in the certificate.
        string hostName = Dns.GetHostName();
        bool loopback = Dns.GetHostAddresses(hostName).Any(a => a.Equals(IPAddress.Loopback));
        output.WriteLine($"host name {hostName} → loopback: {loopback}");
        bool nameChecked = loopback && hostName != "localhost";
        if (nameChecked)
        {
            ScriptResult mismatch = ps.Run(Single(hostName, "VerifyFull"), Vars());
            Assert.StartsWith("PatroniDatabaseOperationFailed,", mismatch.FirstError!.FullyQualifiedErrorId);
            output.WriteLine(mismatch.FirstError.Exception.Message);
            Assert.Equal(ErrorCategory.SecurityError, mismatch.FirstError.CategoryInfo.Category);
            Assert.Contains("TLS connection", mismatch.FirstError.Exception.Message);
            Assert.Contains("certificate lists", mismatch.FirstError.Exception.Message);
            // Same server, same CA: VerifyCA (no name check) accepts it, so it was the name that failed.
            ps.Ok(Single(hostName, "VerifyCA") + " -Name verifyca", Vars());
        }

        // A certificate from another CA is rejected.
        using var folder = new Modes.TempFolder();
        string otherCa = folder.Write("other-ca.crt", OtherCaPem());
        ScriptResult wrongCa = ps.Run(Single("127.0.0.1", "VerifyFull", "$other"), Vars(("other", otherCa)));
        Assert.StartsWith("PatroniDatabaseOperationFailed,", wrongCa.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("-RootCertificate", wrongCa.FirstError.Exception.Message);
        ScriptResult wrongCaVerifyCa = ps.Run(Single("127.0.0.1", "VerifyCA", "$other"), Vars(("other", otherCa)));
        Assert.StartsWith("PatroniDatabaseOperationFailed,", wrongCaVerifyCa.FirstError!.FullyQualifiedErrorId);

        // The server takes only TLS (hostssl): -SslMode Disable is refused.
        ScriptResult plain = ps.Run($"Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port {port} -Credential $cred -SslMode Disable", Vars());
        Assert.NotNull(plain.FirstError);
        Assert.Contains("no encryption", plain.FirstError!.Exception.Message);
        Assert.Equal(nameChecked ? 3 : 2, ps.Ok("Get-PatroniSession").Count);
    }

    [Fact]
    public void The_REST_API_certificate_is_verified_by_default_and_SkipCertificateCheck_warns()
    {
        using var ps = new PowerShellSession();
        // No -ApiRootCertificate: the private CA is not trusted.
        ScriptResult untrusted = ps.Run("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -SslMode VerifyFull -RootCertificate $ca", Vars());
        Assert.NotNull(untrusted.FirstError);
        Assert.StartsWith("PatroniTopologyUnavailable,", untrusted.FirstError!.FullyQualifiedErrorId);
        output.WriteLine(untrusted.FirstError.Exception.Message);
        Assert.Contains("-ApiRootCertificate", untrusted.FirstError.Exception.Message);
        Assert.Empty(ps.Ok("Get-PatroniSession"));

        // With it: trusted.
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -SslMode VerifyFull -RootCertificate $ca -ApiRootCertificate $ca -Name trusted", Vars());

        // -SkipCertificateCheck: works, and says it is unsafe.
        ScriptResult skipped = ps.Run("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -SslMode Require -SkipCertificateCheck -Name skipped", Vars());
        skipped.ThrowIfFailed("skip");
        Assert.Contains(skipped.Warnings, w => w.Contains("-SkipCertificateCheck", StringComparison.Ordinal));
        Assert.Equal(2, ps.Ok("(Get-PatroniTopology -Session skipped).Count").Single().BaseObject);
    }

    [Fact]
    public void No_password_appears_in_any_stream_of_a_full_session()
    {
        string wrongPassword = "Wr0ng-" + Guid.NewGuid().ToString("N");
        string[] secrets = [cluster.Password, cluster.ApiPassword, wrongPassword];
        using var folder = new Modes.TempFolder();
        string badEnv = folder.Write(".env", $"PATRONI_HOSTS={string.Join(",", cluster.ApiEndpoints)}\nPATRONI_USER=postgres\n" +
            $"PATRONI_PASSWORD={cluster.Password}\nPATRONI_RESTAPI_USERNAME=patroni-admin\nPATRONI_RESTAPI_PASSWORD={cluster.ApiPassword}\n" +
            "PATRONI_PORT=not-a-port\nPATRONI_MIN_CONNECTIONS=30\n");
        int leaderPort;

        using var ps = new PowerShellSession();
        var rec = new StreamRecorder(ps);
        var vars = Vars(("wrong", TestCredentials.Create(cluster.Credential.UserName, wrongPassword)), ("badEnv", badEnv));

        rec.Run($"$s = Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred {Tls} -ApiCredential $api -Name full; $s; $s.ToString()", vars).ThrowIfFailed("connect");
        rec.Run("Get-PatroniSession; Get-PatroniTopology -Refresh; Get-PatroniTopology | ForEach-Object { $_.ToString() }").ThrowIfFailed("topology");
        rec.Run("Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS sec_scan (id serial PRIMARY KEY, note text)' -As NonQuery; " +
                "Invoke-PatroniQuery 'INSERT INTO sec_scan (note) VALUES (@n) RETURNING *' -Parameters @{ n = 'x' }; " +
                "Invoke-PatroniQuery 'SELECT current_user, inet_server_port()' -ReadOnly").ThrowIfFailed("queries");
        rec.Run("$h = Get-PatroniHealth; $h; $h.ToString(); $h.HaCluster; $h.HaCluster.Primary; $h.HaCluster.Replicas; $h.Statistics").ThrowIfFailed("health");
        leaderPort = int.Parse(((string)ps.Ok("(Get-PatroniSession -Default).Primary").Single().BaseObject).Split(':')[1]);
        rec.Run($"Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Confirm:$false; Invoke-PatroniQuery 'SELECT 1' -ReadOnly; Get-PatroniHealth").ThrowIfFailed("to single");
        rec.Run("Switch-PatroniMode PatroniHa -Confirm:$false; Get-PatroniHealth; Get-PatroniSession").ThrowIfFailed("to patroni");

        // Failures: a failed login, a failed switch with a wrong password, a bad config value, a bad query.
        ScriptResult badLogin = rec.Run($"Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $wrong {Tls}", vars);
        Assert.NotNull(badLogin.FirstError);
        ScriptResult badSwitch = rec.Run($"Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Credential $wrong -Confirm:$false", vars);
        Assert.StartsWith("PatroniModeSwitchFailed,", badSwitch.FirstError!.FullyQualifiedErrorId);
        ScriptResult badConfig = rec.Run("Connect-PatroniCluster -FromEnvironment -EnvFile $badEnv", vars);
        Assert.StartsWith("PatroniInvalidConfiguration,", badConfig.FirstError!.FullyQualifiedErrorId);
        ScriptResult badApiConfig = rec.Run("Connect-PatroniCluster -ApiEndpoint 127.0.0.1:1 -Credential $cred -ApiCredential $api -MinPoolSize 50 -MaxPoolSize 5", vars);
        Assert.StartsWith("PatroniInvalidConfiguration,", badApiConfig.FirstError!.FullyQualifiedErrorId);
        ScriptResult badQuery = rec.Run("Invoke-PatroniQuery 'SELECT no_such_column FROM sec_scan'");
        Assert.NotNull(badQuery.FirstError);

        rec.Run("Disconnect-PatroniCluster -Session full; Get-PatroniSession").ThrowIfFailed("disconnect");
        ScriptResult afterDisconnect = rec.Run("Invoke-PatroniQuery 'SELECT 1' -Session $s");
        Assert.StartsWith("PatroniNotConnected,", afterDisconnect.FirstError!.FullyQualifiedErrorId);

        output.WriteLine($"scanned {rec.Text.Count} texts, {rec.Text.Sum(t => t.Length)} characters");
        Assert.True(rec.Text.Count > 100);
        Assert.Contains(rec.Text, t => t.Contains("password authentication failed", StringComparison.Ordinal));
        foreach (string secret in secrets)
        {
            string? leak = rec.Text.FirstOrDefault(t => t.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a password leaked into: {leak}");
        }
    }

    /// <summary>A self-signed CA that did not sign the sandbox's certificates.</summary>
    private static string OtherCaPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using X509Certificate2 ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return ca.ExportCertificatePem() + "\n";
    }
}
