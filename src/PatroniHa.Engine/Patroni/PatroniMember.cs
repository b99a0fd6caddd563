namespace PatroniHa.Engine.Patroni;

/// <summary>One cluster member as listed by GET /cluster.</summary>
/// <param name="LagBytes">Replication lag in bytes; null for the leader and when Patroni says "unknown".</param>
/// <param name="Tags">Patroni tags (nofailover, datacenter …) with JSON primitives as string/long/double/bool.</param>
public sealed record PatroniMember(
    string Name,
    string Host,
    int Port,
    MemberRole Role,
    string State,
    long? Timeline,
    long? LagBytes,
    IReadOnlyDictionary<string, object?> Tags,
    Uri? ApiUrl)
{
    /// <summary>running (3.0.x), streaming (3.0.4+) and in archive recovery count as up.</summary>
    public bool IsRunning => State is "running" or "streaming" or "in archive recovery";

    public bool IsLeader => Role is MemberRole.Leader or MemberRole.StandbyLeader;

    public bool NoFailover => Tags.TryGetValue("nofailover", out var v) && v is true or "true" or "True";

    public string Address => $"{Host}:{Port}";

    /// <summary>4.x: WAL position as "X/Y" text (lsn); null on 3.x and for the leader.</summary>
    public string? Lsn { get; init; }

    /// <summary>4.x: received WAL position (receive_lsn).</summary>
    public string? ReceiveLsn { get; init; }

    /// <summary>4.x: replayed WAL position (replay_lsn).</summary>
    public string? ReplayLsn { get; init; }

    public long? ReceiveLagBytes { get; init; }

    public long? ReplayLagBytes { get; init; }

    public bool PendingRestart { get; init; }

    /// <summary>3.3+: why a restart is pending, per PostgreSQL parameter; empty on older versions.</summary>
    public IReadOnlyList<PendingSettingChange> PendingRestartReason { get; init; } = [];

    /// <summary>A restart Patroni has queued on this member (scheduled_restart), or null.</summary>
    public ScheduledRestart? ScheduledRestart { get; init; }

    public override string ToString() => $"{Name} ({Address}, {Role}, {State})";
}
