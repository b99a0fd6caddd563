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
    private readonly PowerShellSession _owner;

    public SandboxFixture()
    {
        _owner = new PowerShellSession();
        ScriptResult result = _owner.Run("Start-PatroniSandbox -Nodes 3 -Name shared");
        if (result.FirstError is { } error)
        {
            _owner.Dispose();
            throw new InvalidOperationException(
                $"Could not start the shared sandbox cluster ({error.FullyQualifiedErrorId}): {error.Exception.Message}");
        }
        Sandbox = result.Output.Single();
        ApiEndpoints = (string[])Sandbox.Properties["ApiEndpoint"].Value;
        Credential = (PSCredential)Sandbox.Properties["Credential"].Value;
    }

    /// <summary>The PatroniSandboxInfo object.</summary>
    public PSObject Sandbox { get; }

    public string[] ApiEndpoints { get; }

    public PSCredential Credential { get; }

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

    public void Dispose()
    {
        _owner.Run("Stop-PatroniSandbox -Confirm:$false");
        _owner.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "Shared sandbox cluster";
}
