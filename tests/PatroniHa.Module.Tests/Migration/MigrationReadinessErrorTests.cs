using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using static PatroniHa.Module.Tests.Migration.ReadinessRows;

namespace PatroniHa.Module.Tests.Migration;

/// <summary>What Test-PatroniMigration does when it cannot check at all: no cluster needed.</summary>
public sealed class MigrationReadinessErrorTests
{
    [Fact]
    public void An_unreachable_cluster_is_a_failed_result_not_an_error()
    {
        using var ps = new PowerShellSession();
        var variables = new Dictionary<string, object?> { ["cred"] = TestCredentials.Create("app", "secret-pw") };
        // Port 1 on loopback: nothing listens there, so every request is refused at once.
        PSObject result = ps.Ok("Test-PatroniMigration -ApiEndpoint 127.0.0.1:1, 127.0.0.2:1 -Credential $cred -TimeoutSec 3", variables).Single();
        List<Row> rows = Of(result);
        Assert.False(Passed(result));
        Assert.Equal(("Discovery", "(cluster)", "Failed"), (rows[0].Check, rows[0].Member, rows[0].Status));
        Assert.Equal(["127.0.0.1:1", "127.0.0.2:1"], rows.Where(r => r.Check == "RestApi" && r.Status == "Failed").Select(r => r.Member));
        Assert.Empty(Members(result));
        Assert.StartsWith("Not ready", Verdict(result));
    }

    [Fact]
    public void Without_a_session_or_endpoints_it_fails_with_PatroniNotConnected()
    {
        using var ps = new PowerShellSession();
        ScriptResult r = ps.Run("Test-PatroniMigration -Extension ruvector");
        Assert.Equal("PatroniNotConnected,PatroniHa.Commands.TestPatroniMigrationCommand", r.FirstError?.FullyQualifiedErrorId);
    }

    [Fact]
    public void A_bad_endpoint_fails_with_PatroniInvalidConfiguration_before_anything_connects()
    {
        using var ps = new PowerShellSession();
        var variables = new Dictionary<string, object?> { ["cred"] = TestCredentials.Create("app", "secret-pw") };
        ScriptResult r = ps.Run("Test-PatroniMigration -ApiEndpoint 'ftp://node1' -Credential $cred", variables);
        Assert.Equal("PatroniInvalidConfiguration,PatroniHa.Commands.TestPatroniMigrationCommand", r.FirstError?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, r.FirstError!.CategoryInfo.Category);
    }
}
