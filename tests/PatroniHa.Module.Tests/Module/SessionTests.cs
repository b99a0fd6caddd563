using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Module;

/// <summary>Session resolution and error ids that need no server.</summary>
public class SessionTests
{
    [Theory]
    [InlineData("Get-PatroniTopology")]
    [InlineData("Get-PatroniHealth")]
    [InlineData("Invoke-PatroniQuery 'SELECT 1'")]
    [InlineData("Disconnect-PatroniCluster")]
    public void Without_a_session_cmdlets_fail_with_PatroniNotConnected(string command)
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run(command);
        Assert.NotNull(result.FirstError);
        Assert.StartsWith("PatroniNotConnected,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, result.FirstError.CategoryInfo.Category);
        Assert.Contains("Connect-PatroniCluster", result.FirstError.Exception.Message);
    }

    [Theory]
    [InlineData("Get-PatroniTopology -Session nosuch")]
    [InlineData("'nosuch' | Get-PatroniHealth")]
    [InlineData("Invoke-PatroniQuery 'SELECT 1' -Session nosuch")]
    [InlineData("Invoke-PatroniSwitchover -Session nosuch -Confirm:$false")]
    [InlineData("Restart-PatroniMember -Session nosuch -Confirm:$false")]
    [InlineData("Disconnect-PatroniCluster nosuch")]
    [InlineData("Switch-PatroniMode SingleNode -Session nosuch")]
    [InlineData("Test-PatroniMigration -Session nosuch")]
    public void An_unknown_session_name_fails_with_PatroniSessionNotFound(string command)
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run(command);
        Assert.NotNull(result.FirstError);
        Assert.StartsWith("PatroniSessionNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, result.FirstError.CategoryInfo.Category);
        Assert.Equal("nosuch", result.FirstError.TargetObject);
        Assert.Contains("'nosuch'", result.FirstError.Exception.Message);
        Assert.Contains("This runspace has no session", result.FirstError.Exception.Message);
        Assert.Contains("Connect-PatroniCluster -Name", result.FirstError.Exception.Message);
    }

    [Theory]
    [InlineData("Get-PatroniTopology", true)]
    [InlineData("Get-PatroniHealth", true)]
    [InlineData("Get-PatroniConfiguration", true)]
    [InlineData("Get-PatroniHistory", true)]
    [InlineData("Get-PatroniReadStatistics", true)]
    [InlineData("Invoke-PatroniTransaction", true)]
    [InlineData("Measure-PatroniWorkload", true)]
    [InlineData("Test-PatroniFailover", true)]
    [InlineData("Invoke-PatroniSwitchover", true)]
    [InlineData("Invoke-PatroniFailover", true)]
    [InlineData("Wait-PatroniCluster", true)]
    [InlineData("Suspend-PatroniCluster", true)]
    [InlineData("Set-PatroniConfiguration", true)]
    [InlineData("Restart-PatroniCluster", true)]
    [InlineData("Clear-PatroniScheduledSwitchover", true)]
    [InlineData("Disconnect-PatroniCluster", true)]
    [InlineData("Switch-PatroniMode", true)]
    // These take other things from the pipeline: SQL text, member names.
    [InlineData("Invoke-PatroniQuery", false)]
    [InlineData("Restart-PatroniMember", false)]
    [InlineData("Invoke-PatroniReload", false)]
    [InlineData("Clear-PatroniScheduledRestart", false)]
    [InlineData("Invoke-PatroniReinitialize", false)]
    public void Session_binds_from_the_pipeline_where_nothing_else_does(string cmdlet, bool piped)
    {
        using var ps = new PowerShellSession();
        var flags = ps.Ok("(Get-Command $name).Parameters['Session'].ParameterSets.Values | ForEach-Object ValueFromPipeline",
            new Dictionary<string, object?> { ["name"] = cmdlet });
        Assert.NotEmpty(flags);
        Assert.All(flags, f => Assert.Equal(piped, (bool)f.BaseObject));
    }

    [Fact]
    public void Get_PatroniSession_with_an_unknown_name_writes_PatroniSessionNotFound()
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Get-PatroniSession -Name nosuch");
        Assert.StartsWith("PatroniSessionNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Empty(ps.Ok("Get-PatroniSession"));
        // -Name and -Default are one or the other (-Default used to win silently).
        Assert.StartsWith("AmbiguousParameterSet,", ps.Run("Get-PatroniSession -Name nosuch -Default").FirstError!.FullyQualifiedErrorId);
        Assert.Empty(ps.Ok("Get-PatroniSession -Default"));
    }

    [Theory]
    [InlineData("Connect-PatroniCluster -ApiEndpoint a -Credential $c -MinPoolSize 5 -MaxPoolSize 2", "PatroniInvalidConfiguration")]
    [InlineData("Connect-PatroniCluster -ApiEndpoint a -Credential $c -ApiPort 0", "ParameterArgumentValidationError")]
    [InlineData("Connect-PatroniCluster -SingleNode -HostName h -Port 70000 -Credential $c", "ParameterArgumentValidationError")]
    [InlineData("Invoke-PatroniQuery -Query ''", "ParameterArgumentValidationError")]
    [InlineData("Invoke-PatroniQuery 'SELECT 1' -As Table", "ParameterArgumentValidationError")]
    public void Bad_parameters_are_rejected_before_anything_connects(string command, string errorId)
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run(command, new Dictionary<string, object?> { ["c"] = TestCredentials.Create("u", "p") });
        Assert.NotNull(result.FirstError);
        Assert.StartsWith(errorId + ",", result.FirstError!.FullyQualifiedErrorId);
    }
}
