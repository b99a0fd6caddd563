namespace PatroniHa.Engine.Health;

/// <summary>One server as the health check found it: asked directly, not copied from Patroni.</summary>
public sealed record ServerHealth(string Name, string Host, int Port, string Status, bool? InRecovery, string? Error)
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";

    public string Node => $"{Host}:{Port}";
}

public sealed record StatisticsSnapshot(long Failovers, long TopologyRefreshes, long Reads, long Writes, long Errors);

/// <summary>The seed's ha_cluster block. ClusterTopology is healthy, degraded or unhealthy.</summary>
public sealed record ClusterHealth(
    string ClusterTopology,
    ServerHealth? Primary,
    IReadOnlyList<ServerHealth> Replicas,
    StatisticsSnapshot Statistics,
    IReadOnlyList<string> Problems);

/// <summary>The seed's health_check(): mode "patroni" or "single-node".</summary>
public sealed record HealthReport(string Mode, ClusterHealth? HaCluster, ServerHealth? SingleNode, StatisticsSnapshot Statistics)
{
    public const string PatroniMode = "patroni";
    public const string SingleNodeMode = "single-node";
}
