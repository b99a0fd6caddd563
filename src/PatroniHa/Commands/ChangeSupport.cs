using System.Management.Automation;
using System.Net;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>How the cmdlets that change the cluster describe it (ShouldProcess targets) and pass REST credentials.</summary>
internal static class ChangeSupport
{
    public const int ProgressId = 0x5a7;

    /// <summary>[PSCredential]::Empty is how scripts say "no credential": use the session's.</summary>
    public static NetworkCredential? ToNetwork(PSCredential? c) =>
        c is null || ReferenceEquals(c, PSCredential.Empty) ? null : c.GetNetworkCredential();

    /// <summary>A ShouldProcess target: the cluster and the leader it has now.</summary>
    public static string Describe(PatroniSession session, string noLeader) =>
        (session.Scope is { } scope ? $"Patroni cluster '{scope}'" : $"Patroni cluster of session '{session.Name}'")
        + $" (leader {session.Leader ?? noLeader})";
}
