using System.Collections;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Output;

/// <summary>One cluster member, as Get-PatroniTopology writes it (like a row of `patronictl list`).</summary>
public sealed class PatroniMemberInfo
{
    internal PatroniMemberInfo(PatroniMember m, string? cluster)
    {
        Cluster = cluster;
        Name = m.Name;
        Host = m.Host;
        Port = m.Port;
        Role = m.Role.ToString();
        State = m.State;
        Timeline = m.Timeline;
        LagBytes = m.LagBytes;
        Tags = new Hashtable(m.Tags.ToDictionary(t => t.Key, t => t.Value), StringComparer.OrdinalIgnoreCase);
        ApiUrl = m.ApiUrl?.ToString();
    }

    public string? Cluster { get; }
    public string Name { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>Leader, Replica, SyncStandby, StandbyLeader or Unknown.</summary>
    public string Role { get; }

    public string State { get; }
    public long? Timeline { get; }

    /// <summary>Replication lag in bytes; empty for the leader and when Patroni reports "unknown".</summary>
    public long? LagBytes { get; }

    public Hashtable Tags { get; }
    public string? ApiUrl { get; }

    public override string ToString() => $"{Name} {Host}:{Port} {Role} {State}";
}
