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

    [Fact]
    public void An_unknown_session_name_is_a_parameter_error_that_says_how_to_list_sessions()
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Get-PatroniTopology -Session nosuch");
        Assert.NotNull(result.FirstError);
        Assert.Contains("Get-PatroniSession", result.FirstError!.Exception.Message);
    }

    [Fact]
    public void Get_PatroniSession_with_an_unknown_name_writes_PatroniSessionNotFound()
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Get-PatroniSession -Name nosuch");
        Assert.StartsWith("PatroniSessionNotFound,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Empty(ps.Ok("Get-PatroniSession"));
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
