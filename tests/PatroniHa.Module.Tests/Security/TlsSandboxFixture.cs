using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Security;

/// <summary>
/// A 2-member sandbox with TLS on PostgreSQL (hostssl only) and on the REST API (https, throwaway CA), and
/// REST basic auth, started through Start-PatroniSandbox -Tls -ApiCredential.
/// </summary>
public sealed class TlsSandboxFixture : IDisposable
{
    private readonly OwnedSandbox _sandbox;

    public TlsSandboxFixture()
    {
        ApiPassword = "api-" + Guid.NewGuid().ToString("N");
        ApiCredential = TestCredentials.Create("patroni-admin", ApiPassword);
        _sandbox = new OwnedSandbox("Start-PatroniSandbox -Nodes 2 -Name tlssec -Tls -ApiCredential $api",
            new Dictionary<string, object?> { ["api"] = ApiCredential });
        CaPath = (string)Sandbox.Properties["CaCertificatePath"].Value;
        PgPorts = OwnedSandbox.MemberPorts(Sandbox, "PgPort");
    }

    public PSObject Sandbox => _sandbox.Info;
    public string[] ApiEndpoints => _sandbox.ApiEndpoints;
    public PSCredential Credential => _sandbox.Credential;
    public string Password => Credential.GetNetworkCredential().Password;
    public PSCredential ApiCredential { get; }
    public string ApiPassword { get; }
    public string CaPath { get; }
    public int[] PgPorts { get; }

    public Dictionary<string, object?> Variables() => new()
    {
        ["endpoints"] = ApiEndpoints,
        ["cred"] = Credential,
        ["api"] = ApiCredential,
        ["ca"] = CaPath,
        ["sandbox"] = Sandbox,
    };

    public void Dispose() => _sandbox.Dispose();
}

/// <summary>Runs alone (never beside the shared sandbox): one cluster at a time on these machines.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TlsSandboxCollection : ICollectionFixture<TlsSandboxFixture>
{
    public const string Name = "TLS sandbox cluster";
}
