using System.Collections;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Output;

/// <summary>One cluster member, as Get-PatroniTopology writes it (like a row of `patronictl list`).</summary>
public sealed class PatroniMemberInfo
{
    internal PatroniMemberInfo(PatroniMember m, string? cluster, ClusterSnapshot? snapshot = null)
    {
        if (snapshot is not null)
        {
            ClusterPaused = snapshot.Paused;
            ScheduledSwitchover = snapshot.ScheduledSwitchover is { } so
                ? $"{so.At:yyyy-MM-dd HH:mm:ss zzz} from {so.From ?? "the leader"} to {so.To ?? "any healthy standby"}"
                : null;
            ReadAt = snapshot.ReadAt;
        }
        PendingRestart = m.PendingRestart;
        PendingRestartReason = m.PendingRestartReason.Count == 0 ? null
            : string.Join(", ", m.PendingRestartReason.Select(p => $"{p.Name}: {p.OldValue ?? "?"}->{p.NewValue ?? "?"}"));
        ScheduledRestart = m.ScheduledRestart?.At;
        ScheduledRestartIfVersionBelow = m.ScheduledRestart?.PostgresVersion;
        ReceiveLsn = m.ReceiveLsn;
        ReplayLsn = m.ReplayLsn;
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

    /// <summary>PostgreSQL reports a setting that only takes effect after a restart.</summary>
    public bool PendingRestart { get; }

    /// <summary>Patroni 3.3+: which parameters wait for the restart ("max_connections: 100->200").</summary>
    public string? PendingRestartReason { get; }

    public DateTimeOffset? ScheduledRestart { get; }

    /// <summary>The scheduled restart happens only when the running PostgreSQL is older than this.</summary>
    public string? ScheduledRestartIfVersionBelow { get; }

    /// <summary>Patroni 4.1+: WAL received and replayed by this replica.</summary>
    public string? ReceiveLsn { get; }

    public string? ReplayLsn { get; }

    /// <summary>The cluster is in maintenance mode (known when read fresh from /cluster).</summary>
    public bool? ClusterPaused { get; }

    /// <summary>The switchover Patroni has queued for the cluster, if any.</summary>
    public string? ScheduledSwitchover { get; }

    public DateTimeOffset? ReadAt { get; }

    public override string ToString() => $"{Name} {Host}:{Port} {Role} {State}";
}
