using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Topology;

namespace PatroniHa.Engine.Health;

/// <summary>Builds the seed's health report by asking every server pg_is_in_recovery() itself.</summary>
public static class HealthChecker
{
    private static readonly TimeSpan ServerCheckTimeout = TimeSpan.FromSeconds(3);

    public static async Task<HealthReport> CheckAsync(ClusterBackend backend, SessionStatistics stats, CancellationToken ct)
    {
        if (backend is SingleNodeBackend single)
        {
            ServerHealth server = await CheckServerAsync(backend, single.Server, ct).ConfigureAwait(false);
            return new HealthReport(HealthReport.SingleNodeMode, null, server, Snapshot(stats));
        }

        var patroni = (PatroniBackend)backend;
        var problems = new List<string>();
        ClusterSnapshot? topology = patroni.Monitor.Current;
        if (patroni.Monitor.LastError is { } restError)
        {
            // One line: the per-endpoint reasons, without the multi-line advice of the full error.
            string reasons = string.Join("; ", restError.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => l[2..]));
            problems.Add($"Patroni REST API unreachable: reads are served from the last known topology (read {topology?.ReadAt:u}); " +
                         $"writes stop once the lease on the leader runs out; the session keeps trying. {(reasons.Length > 0 ? reasons : restError.Message)}");
        }
        if (topology is null)
        {
            problems.Add("No topology known.");
            return new HealthReport(HealthReport.PatroniMode,
                new ClusterHealth("unhealthy", null, [], Snapshot(stats), problems), null, Snapshot(stats));
        }

        var checks = topology.Members
            .Select(m => CheckServerAsync(backend, new RouteTarget(m.Name, m.Host, m.Port, m.IsLeader), ct))
            .ToList();
        ServerHealth[] results = await Task.WhenAll(checks).ConfigureAwait(false);

        ServerHealth? primary = null;
        var replicas = new List<ServerHealth>();
        for (int i = 0; i < results.Length; i++)
        {
            PatroniMember member = topology.Members[i];
            ServerHealth result = results[i];
            if (member.IsLeader)
            {
                primary = result.InRecovery == true
                    ? result with { Status = ServerHealth.Unhealthy, Error = "Patroni names it leader but it is in recovery" }
                    : result;
            }
            else
            {
                replicas.Add(result.InRecovery == false
                    ? result with { Status = ServerHealth.Unhealthy, Error = "Patroni names it a replica but it is not in recovery" }
                    : result);
            }
        }

        bool splitBrain = false;
        LeaderLease lease = patroni.Fence.Lease!;
        foreach (ServerHealth second in replicas.Where(r => r.InRecovery == false))
        {
            splitBrain = true;
            if (topology.Members.FirstOrDefault(m => m.Name == second.Name) is { } rogue)
                lease.MarkSecondPrimary(rogue, primary?.Name ?? "another member");
            problems.Add($"Split brain: {second.Name} ({second.Node}) answers pg_is_in_recovery() = false while Patroni names " +
                         $"{primary?.Name ?? "another member"} leader. Writes go only to the member whose Patroni confirms the lock; " +
                         $"{second.Name} gets no reads or writes. Check `patronictl list`; Patroni demotes it, or reinitialize it.");
        }
        bool writesPaused = topology.Leader is { } leader && !lease.Holds(leader.Name);
        if (writesPaused)
            problems.Add($"Writes are paused: {lease.Why(topology.Leader!.Name)}.");

        if (primary is null)
            problems.Add("No primary node found in cluster.");
        else if (primary.Status != ServerHealth.Healthy)
            problems.Add($"Primary {primary.Node} is unhealthy: {primary.Error}");
        foreach (ServerHealth replica in replicas.Where(r => r.Status != ServerHealth.Healthy))
            problems.Add($"Replica {replica.Node} is unhealthy: {replica.Error}");

        string overall = primary?.Status != ServerHealth.Healthy || splitBrain || writesPaused ? "unhealthy"
            : problems.Count > 0 ? "degraded"
            : "healthy";
        return new HealthReport(HealthReport.PatroniMode,
            new ClusterHealth(overall, primary, replicas, Snapshot(stats), problems), null, Snapshot(stats));
    }

    private static async Task<ServerHealth> CheckServerAsync(ClusterBackend backend, RouteTarget target, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ServerCheckTimeout);
        try
        {
            bool inRecovery = (bool)(await StatementRunner.ScalarAsync(backend, target, StatementRunner.InRecoverySql,
                timeout.Token).ConfigureAwait(false))!;
            return new ServerHealth(target.Name, target.Host, target.Port, ServerHealth.Healthy, inRecovery, null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            string reason = ex is OperationCanceledException ? "no answer within 3 s" : ex.Message;
            return new ServerHealth(target.Name, target.Host, target.Port, ServerHealth.Unhealthy, null, reason);
        }
    }

    private static StatisticsSnapshot Snapshot(SessionStatistics s) =>
        new(s.Failovers, s.TopologyRefreshes, s.Reads, s.Writes, s.Errors);
}
