namespace PatroniHa.Output;

/// <summary>What Wait-PatroniCluster waits for (a cmdlet-side type: engine types never reach parameters).</summary>
public enum PatroniClusterCondition
{
    /// <summary>A running leader; every member running on the leader's timeline within the lag limit.</summary>
    Healthy,
    /// <summary>No member reports a pending restart.</summary>
    NoPendingRestart,
    /// <summary>Every member's own Patroni reports the cluster paused.</summary>
    Paused,
    /// <summary>No member's own Patroni reports the cluster paused.</summary>
    Resumed,
}
