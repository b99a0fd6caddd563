using PatroniHa.Engine.Health;

namespace PatroniHa.Output;

/// <summary>The seed's health_check() result: Mode is "patroni" or "single-node".</summary>
public sealed class PatroniHealth
{
    internal PatroniHealth(HealthReport report, string session)
    {
        Session = session;
        Mode = report.Mode;
        HaCluster = report.HaCluster is { } ha ? new PatroniClusterHealth(ha) : null;
        SingleNode = report.SingleNode is { } s ? new PatroniServerHealth(s) : null;
        Statistics = new PatroniStatistics(report.Statistics);
    }

    public string Session { get; }
    public string Mode { get; }
    public PatroniClusterHealth? HaCluster { get; }
    public PatroniServerHealth? SingleNode { get; }
    public PatroniStatistics Statistics { get; }

    /// <summary>healthy, degraded or unhealthy, whichever the mode.</summary>
    public string Status => HaCluster?.ClusterTopology ?? SingleNode?.Status ?? "unhealthy";

    public override string ToString() => $"{Mode}: {Status}";
}

public sealed class PatroniClusterHealth
{
    internal PatroniClusterHealth(ClusterHealth h)
    {
        ClusterTopology = h.ClusterTopology;
        Primary = h.Primary is { } p ? new PatroniServerHealth(p) : null;
        Replicas = h.Replicas.Select(r => new PatroniServerHealth(r)).ToArray();
        Statistics = new PatroniStatistics(h.Statistics);
        Problems = h.Problems.ToArray();
    }

    /// <summary>healthy, degraded (serving, but something is wrong: see Problems) or unhealthy.</summary>
    public string ClusterTopology { get; }
    public PatroniServerHealth? Primary { get; }
    public PatroniServerHealth[] Replicas { get; }
    public PatroniStatistics Statistics { get; }
    public string[] Problems { get; }

    public override string ToString() => ClusterTopology;
}

public sealed class PatroniServerHealth
{
    internal PatroniServerHealth(ServerHealth s)
    {
        Name = s.Name;
        Node = s.Node;
        Host = s.Host;
        Port = s.Port;
        Status = s.Status;
        InRecovery = s.InRecovery;
        Error = s.Error;
    }

    public string Name { get; }
    public string Node { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>healthy or unhealthy, from asking the server itself.</summary>
    public string Status { get; }

    /// <summary>pg_is_in_recovery() as the server answered it; empty when it could not be asked.</summary>
    public bool? InRecovery { get; }

    public string? Error { get; }

    public override string ToString() => $"{Node} {Status}";
}

public sealed class PatroniStatistics
{
    internal PatroniStatistics(StatisticsSnapshot s)
    {
        Failovers = s.Failovers;
        TopologyRefreshes = s.TopologyRefreshes;
        Reads = s.Reads;
        Writes = s.Writes;
        Errors = s.Errors;
    }

    public long Failovers { get; }
    public long TopologyRefreshes { get; }
    public long Reads { get; }
    public long Writes { get; }
    public long Errors { get; }

    public override string ToString() =>
        $"Failovers={Failovers} TopologyRefreshes={TopologyRefreshes} Reads={Reads} Writes={Writes} Errors={Errors}";
}
