using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using PatroniHa.Module.Tests.Security;
using Xunit;
using Xunit.Abstractions;
using static PatroniHa.Module.Tests.Migration.ReadinessRows;

namespace PatroniHa.Module.Tests.Migration;

/// <summary>
/// Test-PatroniMigration against the 2-member TLS sandbox (PostgreSQL hostssl only, https REST API): TLS settings
/// checked on every member, the replica-count warning of a 2-member cluster, and a pg_hba.conf refusal.
/// </summary>
[Collection(TlsSandboxCollection.Name)]
public sealed class MigrationTlsTests(TlsSandboxFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public void TLS_settings_work_on_every_member_and_two_members_pass_with_a_replica_warning()
    {
        using var ps = new PowerShellSession();
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -SslMode VerifyFull " +
                                "-RootCertificate $ca -ApiRootCertificate $ca", cluster.Variables()).Single();
        List<Row> rows = Of(result);
        rows.ForEach(r => output.WriteLine(r.ToString()));

        Assert.True(Passed(result), Verdict(result));
        Assert.Equal(2, Members(result).Length);
        var tls = rows.Where(r => r.Check == "Tls").ToList();
        Assert.Equal(Members(result).Order(), tls.Select(r => r.Member).Order());
        Assert.All(tls, r =>
        {
            Assert.Equal("Passed", r.Status);
            Assert.Contains("PostgreSQL: encrypted (TLS", r.Detail);
            Assert.Contains("REST API: https, certificate accepted", r.Detail);
        });
        // The guide recommends two replicas or more: one is a warning, not a failure.
        Row replicas = rows.Single(r => r.Check == "Replicas");
        Assert.Equal("Warning", replicas.Status);
        Assert.Contains("1 replica(s)", replicas.Detail);
        // And Patroni's default check_timeline (off), read from GET /config over https.
        Assert.Equal(["Replicas", "CheckTimeline"], rows.Where(r => r.Status != "Passed").Select(r => r.Check));
        Assert.Contains("2 warning(s)", Verdict(result));
    }

    [Fact]
    public void A_pg_hba_conf_refusal_is_named_as_such()
    {
        // The TLS sandbox's pg_hba.conf has only hostssl lines: a plain-text login finds no entry.
        using var ps = new PowerShellSession();
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -SslMode Disable -ApiRootCertificate $ca",
            cluster.Variables()).Single();
        List<Row> rows = Of(result);
        rows.ForEach(r => output.WriteLine(r.ToString()));

        Assert.False(Passed(result));
        OnlyLoginsFailed(rows, 2, "refused by pg_hba.conf (28000", "-SslMode Require");
        Assert.DoesNotContain(rows, r => r.Detail.Contains("wrong password"));
    }
}
