using System.Management.Automation;
using System.Security;
using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Output;

/// <summary>
/// A running sandbox cluster. Pipe it to Connect-PatroniCluster (ApiEndpoint and Credential bind by name)
/// or to Stop-PatroniSandbox.
/// </summary>
public sealed class PatroniSandboxInfo
{
    internal PatroniSandboxInfo(SandboxCluster cluster, string? leader)
    {
        Cluster = cluster;
        Name = cluster.Scope;
        Path = cluster.Path;
        ApiEndpoint = cluster.ApiEndpoints.Select(u => u.ToString().TrimEnd('/')).ToArray();
        Members = cluster.Members.Select(m => new PatroniSandboxMember(m.Name, m.PgPort, m.ApiPort)).ToArray();
        Leader = leader;
        Credential = ToPSCredential(cluster.Superuser)!;
        ApiCredential = ToPSCredential(cluster.ApiCredential);
        CaCertificatePath = cluster.CaCertificatePath;
    }

    private static PSCredential? ToPSCredential(System.Net.NetworkCredential? credential)
    {
        if (credential is null)
            return null;
        var password = new SecureString();
        foreach (char c in credential.Password)
            password.AppendChar(c);
        password.MakeReadOnly();
        return new PSCredential(credential.UserName, password);
    }

    internal SandboxCluster Cluster { get; }

    /// <summary>The Patroni scope (cluster name).</summary>
    public string Name { get; }

    public string Path { get; }

    public string[] ApiEndpoint { get; }

    /// <summary>The PostgreSQL superuser of the sandbox.</summary>
    public PSCredential Credential { get; }

    /// <summary>Patroni's REST API basic-auth user (Start-PatroniSandbox -ApiCredential), else null.</summary>
    public PSCredential? ApiCredential { get; }

    /// <summary>The throwaway CA (PEM) that signed every member's certificate (-Tls), else null. Pass it to
    /// -RootCertificate and -ApiRootCertificate.</summary>
    public string? CaCertificatePath { get; }

    public PatroniSandboxMember[] Members { get; }

    /// <summary>The leader when the sandbox came up.</summary>
    public string? Leader { get; }

    public override string ToString() => $"{Name} ({Members.Length} members, {Path})";
}

public sealed record PatroniSandboxMember(string Name, int PgPort, int ApiPort);
