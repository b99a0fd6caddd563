using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static PatroniHa.Module.Tests.Migration.ReadinessRows;

namespace PatroniHa.Module.Tests.Migration;

/// <summary>Test-PatroniMigration against the shared 3-node sandbox: it only reads, and changes nothing.</summary>
[Collection(SandboxCollection.Name)]
public sealed class MigrationReadinessTests(SandboxFixture cluster, ITestOutputHelper output)
{
    private const string ExtensionDir = "/usr/share/postgresql/15/extension";

    [Fact]
    public void A_healthy_cluster_is_ready_without_a_session_and_warns_that_check_timeline_is_off()
    {
        using var ps = new PowerShellSession();
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -Extension plpgsql", cluster.Variables()).Single();
        List<Row> rows = Of(result);
        rows.ForEach(r => output.WriteLine(r.ToString()));

        Assert.Equal("PatroniHa.Output.MigrationReadiness", result.BaseObject.GetType().FullName);
        Assert.True(Passed(result), Verdict(result));
        Assert.StartsWith("Ready:", Verdict(result));
        // The sandbox keeps Patroni's default check_timeline (off), read from GET /config: the one warning.
        Row guard = rows.Single(r => r.Check == "CheckTimeline");
        Assert.Equal(("(cluster)", "Warning"), (guard.Member, guard.Status));
        Assert.Contains("check_timeline = $true", guard.Detail);
        Assert.Contains("1 warning(s)", Verdict(result));
        Assert.All(rows.Where(r => r != guard), r => Assert.Equal("Passed", r.Status));
        string[] members = Members(result);
        Assert.Equal(3, members.Length);
        Assert.Equal(["Leader", "Replicas", "NotPaused", "CheckTimeline"], rows.Take(4).Select(r => r.Check));
        Assert.Contains("2 replicas running and streaming", rows.Single(r => r.Check == "Replicas").Detail);
        foreach (string check in new[] { "RestApi", "PatroniVersion", "Login", "PostgresVersion", "Extension plpgsql" })
            Assert.Equal(members.Order(), rows.Where(r => r.Check == check).Select(r => r.Member).Order());
        Assert.DoesNotContain(rows, r => r.Check == "Tls"); // no TLS settings given
        Assert.All(rows.Where(r => r.Check == "PatroniVersion"), r => Assert.Equal("Patroni 3.0.2.", r.Detail));
    }

    [Fact]
    public void The_default_session_is_checked_with_its_own_login()
    {
        using var ps = cluster.Connect();
        PSObject result = ps.Ok("Test-PatroniMigration").Single();
        Assert.True(Passed(result), Verdict(result));
        Assert.Equal(3, Of(result).Count(r => r.Check == "Login" && r.Status == "Passed"));
    }

    [Fact]
    public void Missing_extensions_fail_with_the_CREATE_EXTENSION_to_run()
    {
        // pg_trgm's files ship with PostgreSQL 15 on Debian (contrib) but the sandbox never creates it; ruvector is not installed here.
        Assert.True(File.Exists(Path.Combine(ExtensionDir, "pg_trgm.control")), $"pg_trgm.control missing in {ExtensionDir}");
        Assert.False(File.Exists(Path.Combine(ExtensionDir, "ruvector.control")), "ruvector is installed here; this test needs a missing extension");

        using var ps = new PowerShellSession();
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -Extension ruvector, pg_trgm", cluster.Variables()).Single();
        List<Row> rows = Of(result);
        rows.ForEach(r => output.WriteLine(r.ToString()));
        string leader = Leader(result);

        Assert.False(Passed(result));
        Row ruvector = rows.Single(r => r.Check == "Extension ruvector" && r.Member == leader);
        Assert.Equal("Failed", ruvector.Status);
        Assert.Contains("CREATE EXTENSION IF NOT EXISTS ruvector;", ruvector.Detail);
        Assert.Contains("pg_available_extensions has no 'ruvector'", ruvector.Detail);
        Row trgm = rows.Single(r => r.Check == "Extension pg_trgm" && r.Member == leader);
        Assert.Equal("Failed", trgm.Status);
        Assert.Contains("Run on the leader: CREATE EXTENSION IF NOT EXISTS pg_trgm;", trgm.Detail);

        // Replicas: pg_trgm's files are there (it only needs creating on the leader), ruvector's are not.
        var replicaRows = rows.Where(r => r.Member != leader && r.Member != "(cluster)").ToList();
        Assert.All(replicaRows.Where(r => r.Check == "Extension pg_trgm"), r => Assert.Equal("Passed", r.Status));
        Assert.All(replicaRows.Where(r => r.Check == "Extension ruvector"), r => Assert.Equal("Failed", r.Status));
        Assert.Equal(2, replicaRows.Count(r => r.Check == "Extension ruvector"));
        // Nothing else failed, and the verdict names the fix.
        Assert.All(rows.Where(r => r.Status == "Failed"), r => Assert.StartsWith("Extension ", r.Check));
        Assert.Contains("CREATE EXTENSION IF NOT EXISTS", Verdict(result));
    }

    [Fact]
    public void A_wrong_password_fails_every_login_as_an_authentication_problem()
    {
        using var ps = new PowerShellSession();
        var variables = cluster.Variables();
        variables["bad"] = TestCredentials.Create(cluster.Credential.UserName, "not-the-password");
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $bad", variables).Single();
        List<Row> rows = Of(result);
        rows.ForEach(r => output.WriteLine(r.ToString()));

        Assert.False(Passed(result));
        // The REST API still answers: only the logins failed, as a wrong password.
        OnlyLoginsFailed(rows, 3, "wrong password", "28P01");
        Assert.Equal(3, rows.Count(r => r.Check == "RestApi" && r.Status == "Passed"));
        Assert.DoesNotContain(ps.Transcript, t => t.Contains("not-the-password", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_database_is_named_as_such()
    {
        using var ps = new PowerShellSession();
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -Database no_such_db", cluster.Variables()).Single();
        var logins = Of(result).Where(r => r.Check == "Login").ToList();
        Assert.Equal(3, logins.Count);
        Assert.All(logins, r => Assert.Contains("database 'no_such_db' does not exist", r.Detail));
        Assert.Equal("no_such_db", result.Properties["Database"].Value);
    }
}
