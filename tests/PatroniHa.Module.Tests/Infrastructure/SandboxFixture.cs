using System.Management.Automation;
using Xunit;

namespace PatroniHa.Module.Tests.Infrastructure;

/// <summary>
/// One 3-node sandbox cluster for the whole test run, started through the module's own
/// Start-PatroniSandbox in a runspace kept open until the run ends. Tests that only read or write rows
/// share it; tests that break members start their own.
/// </summary>
public sealed class SandboxFixture : IDisposable
{
    private readonly OwnedSandbox _sandbox = new("Start-PatroniSandbox -Nodes 3 -Name shared");

    /// <summary>The PatroniSandboxInfo object.</summary>
    public PSObject Sandbox => _sandbox.Info;

    public string[] ApiEndpoints => _sandbox.ApiEndpoints;

    public PSCredential Credential => _sandbox.Credential;

    public string Password => Credential.GetNetworkCredential().Password;

    /// <summary>A new runspace connected to the shared sandbox as its default session.</summary>
    public PowerShellSession Connect(string extra = "")
    {
        var ps = new PowerShellSession();
        ps.Ok($"Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred {extra}", Variables());
        return ps;
    }

    public Dictionary<string, object?> Variables() => new()
    {
        ["endpoints"] = ApiEndpoints,
        ["cred"] = Credential,
        ["sandbox"] = Sandbox,
    };

    public void Dispose() => _sandbox.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "Shared sandbox cluster";
}
