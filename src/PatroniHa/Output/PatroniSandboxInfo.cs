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
        var password = new SecureString();
        foreach (char c in cluster.Superuser.Password)
            password.AppendChar(c);
        password.MakeReadOnly();
        Credential = new PSCredential(cluster.Superuser.UserName, password);
    }

    internal SandboxCluster Cluster { get; }

    /// <summary>The Patroni scope (cluster name).</summary>
    public string Name { get; }

    public string Path { get; }

    public string[] ApiEndpoint { get; }

    /// <summary>The PostgreSQL superuser of the sandbox.</summary>
    public PSCredential Credential { get; }

    public PatroniSandboxMember[] Members { get; }

    /// <summary>The leader when the sandbox came up.</summary>
    public string? Leader { get; }

    public override string ToString() => $"{Name} ({Members.Length} members, {Path})";
}

public sealed record PatroniSandboxMember(string Name, int PgPort, int ApiPort);
