using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Failover;

/// <summary>
/// Invoke-PatroniSwitchover against a sandbox whose REST API demands basic auth: -ApiCredential is what
/// makes it work, it is never sent over plain http unless the user insists, and the seed's failover
/// messages reach the verbose stream of the cmdlet that noticed the change.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class ApiCredentialSwitchoverTests : IDisposable
{
    private const string ApiPassword = "Rest-Api-Pa55-for-test";
    private readonly OwnedSandbox _sandbox;
    private readonly Dictionary<string, object?> _vars;

    public ApiCredentialSwitchoverTests()
    {
        var apiCredential = TestCredentials.Create("patroni-admin", ApiPassword);
        _sandbox = new OwnedSandbox("Start-PatroniSandbox -Nodes 2 -Name authsw -ApiCredential $api",
            new Dictionary<string, object?> { ["api"] = apiCredential });
        _vars = new Dictionary<string, object?>
        {
            ["endpoints"] = _sandbox.ApiEndpoints,
            ["cred"] = _sandbox.Credential,
            ["api"] = apiCredential,
        };
    }

    [Fact]
    public void A_switchover_needs_the_api_credential_and_sends_it_over_http_only_when_allowed()
    {
        using var ps = new PowerShellSession();
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name noauth", _vars);
        ScriptResult refused = ps.Run("Invoke-PatroniSwitchover -Confirm:$false");
        Assert.StartsWith("PatroniAuthenticationFailed,", refused.FirstError!.FullyQualifiedErrorId);

        // With the credential but over plain http: refused before anything is sent.
        ScriptResult notSent = ps.Run("Invoke-PatroniSwitchover -Confirm:$false -ApiCredential $api", _vars);
        Assert.NotNull(notSent.FirstError);
        Assert.Contains("https", notSent.FirstError!.Exception.Message);

        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name withauth -ApiCredential $api -AllowCredentialOverHttp", _vars);
        string before = (string)ps.Ok("(Get-PatroniTopology -Session withauth | Where-Object Role -eq Leader).Name").Single().BaseObject;
        ScriptResult moved = ps.Run("Invoke-PatroniSwitchover -Session withauth -Confirm:$false -Verbose");
        moved.ThrowIfFailed("Invoke-PatroniSwitchover -Session withauth");
        string after = (string)moved.Output.Select(o => o).Single(m => (string)m.Properties["Role"].Value == "Leader").Properties["Name"].Value;
        Assert.NotEqual(before, after);

        // The leader moved: writes go to the new one, and the session told the user in the verbose stream.
        Assert.Equal(false, ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery()' -As Scalar -Session withauth").Single().BaseObject);
        ScriptResult events = ps.Run("Get-PatroniHealth -Session withauth -Verbose");
        IEnumerable<string> verbose = moved.Verbose.Concat(events.Verbose);
        Assert.Contains(verbose, v => v.Contains("Failover complete - new primary: 127.0.0.1:"));
        Assert.Equal(1L, ps.Ok("(Get-PatroniHealth -Session withauth).Statistics.Failovers").Single().BaseObject);
        Assert.DoesNotContain(ps.Transcript, line => line.Contains(ApiPassword));
    }

    public void Dispose() => _sandbox.Dispose();
}
