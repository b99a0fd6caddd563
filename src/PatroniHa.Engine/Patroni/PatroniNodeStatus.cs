namespace PatroniHa.Engine.Patroni;

/// <summary>One node's own view of itself (GET /patroni). Fields a version does not send are null.</summary>
/// <param name="RawRole">Role text as sent: master (3.0.x), primary (4.x), replica, standby_leader …</param>
/// <param name="WalLocation">Primary: xlog.location.</param>
/// <param name="ReceivedLocation">Replica: xlog.received_location.</param>
/// <param name="ReplayedLocation">Replica: xlog.replayed_location.</param>
/// <param name="ReplicationState">3.0.4+: streaming / in archive recovery.</param>
/// <param name="ClusterUnlocked">True when the node sees no leader lock in the DCS.</param>
public sealed record PatroniNodeStatus(
    string? Name,
    string? Scope,
    string? PatroniVersion,
    string State,
    MemberRole Role,
    string? RawRole,
    int? ServerVersion,
    long? Timeline,
    long? WalLocation,
    long? ReceivedLocation,
    long? ReplayedLocation,
    DateTimeOffset? ReplayedTimestamp,
    bool? ReplayPaused,
    string? ReplicationState,
    bool Paused,
    bool ClusterUnlocked,
    DateTimeOffset? DcsLastSeen,
    DateTimeOffset? PostmasterStartTime,
    IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>This replica is the synchronous standby (sync_standby: true).</summary>
    public bool SyncStandby { get; init; }

    public bool PendingRestart { get; init; }

    public bool FailsafeModeIsActive { get; init; }

    public string? DatabaseSystemIdentifier { get; init; }

    /// <summary>Newer versions: receive/replay position as "X/Y" text, when sent.</summary>
    public string? ReceiveLsn { get; init; }

    public string? ReplayLsn { get; init; }

    /// <summary>4.x: the WAL receiver's latest_end_lsn (bytes).</summary>
    public long? LatestEndLsn { get; init; }

    /// <summary>Leader: the walsenders Patroni sees (its "replication" list); empty elsewhere.</summary>
    public IReadOnlyList<ReplicationConnection> Replication { get; init; } = [];

    public bool IsPrimary => Role is MemberRole.Leader;
}

/// <summary>One entry of a leader's /patroni "replication" list (pg_stat_replication as Patroni reads it).</summary>
public sealed record ReplicationConnection(string? ApplicationName, string? State, string? SyncState);
