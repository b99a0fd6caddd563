using System.Diagnostics;
using System.Globalization;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

public sealed record RollingRestartOptions
{
    /// <summary>Only members that report a pending restart.</summary>
    public bool PendingOnly { get; init; }

    /// <summary>Restart the leader where it is instead of switching over to a caught-up replica first.</summary>
    public bool InPlace { get; init; }

    /// <summary>How long each member may take to be back (running, streaming, caught up).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Lag limit for "caught up"; null: the cluster's maximum_lag_on_failover.</summary>
    public long? MaxLagBytes { get; init; }
}

/// <summary>What the rolling restart did to one member.</summary>
/// <param name="Action">Restarted, RestartedInPlace (the leader), SwitchedOver (the leader handed over to <paramref name="NewLeader"/>), Skipped.</param>
public sealed record RollingRestartStep(int Step, string Member, string RoleBefore, string Action, string? NewLeader,
    TimeSpan Elapsed, string Message);

/// <summary>
/// Restarts the whole cluster one member at a time: replicas first, each waited until it runs, streams and has
/// caught up; then the leader, by a switchover to a caught-up replica (the old leader comes back as a replica on
/// the new settings) or in place. When a pending change lowers a setting that sizes shared memory, PostgreSQL
/// requires the primary to go first (a replica's value must not be below its primary's), so the leader is
/// restarted in place first and the replicas after it.
/// </summary>
public static class RollingRestart
{
    /// <summary>Settings a standby must hold at least at the primary's value (PostgreSQL hot standby rules).</summary>
    public static readonly IReadOnlyList<string> SharedMemorySettings =
        ["max_connections", "max_prepared_transactions", "max_locks_per_transaction", "max_wal_senders", "max_worker_processes"];

    public static async Task<IReadOnlyList<RollingRestartStep>> RunAsync(DrillApi api, RollingRestartOptions options,
        Action<RollingRestartStep> onStep, Action<string> progress, CancellationToken ct)
    {
        ClusterSnapshot cluster = await api.GetClusterAsync(ct).ConfigureAwait(false);
        PatroniDynamicConfig config = await ClusterConfiguration.GetOrEmptyAsync(api, ct).ConfigureAwait(false);
        long maxLag = options.MaxLagBytes ?? config.MaximumLagOnFailover ?? ClusterConditions.DefaultMaxLagBytes;
        PatroniMember leader = Preflight(cluster, options, maxLag);

        var targets = cluster.Members.Where(m => !options.PendingOnly || m.PendingRestart).ToList();
        var steps = new List<RollingRestartStep>();
        if (targets.Count == 0)
        {
            progress("No member needs a restart");
            return steps;
        }
        bool leaderFirst = targets.Contains(leader)
            && await DecreasesSharedMemoryAsync(api, cluster, config, ct).ConfigureAwait(false);
        var replicas = targets.Where(m => !m.IsLeader).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

        void Add(RollingRestartStep s)
        {
            steps.Add(s);
            onStep(s);
        }
        long? replayedAtLeast = null;
        if (leaderFirst)
        {
            progress($"A pending change lowers a shared-memory setting: restarting leader {leader.Name} first, in place");
            Add(await RestartLeaderInPlaceAsync(api, leader, steps.Count + 1, config, maxLag, options, progress, ct).ConfigureAwait(false));
            // The restarted primary logs its new settings at startup; a standby restarted before replaying that
            // record starts with the old, higher values from its pg_control (Patroni takes the larger one) and
            // keeps its pending restart.
            replayedAtLeast = (await api.Client.GetNodeStatusAsync(MemberActions.EndpointOf(leader), ct).ConfigureAwait(false)).WalLocation;
        }
        foreach (PatroniMember replica in replicas)
            Add(await RestartReplicaAsync(api, replica.Name, steps.Count + 1, config, maxLag, replayedAtLeast, options, progress, ct).ConfigureAwait(false));
        if (!leaderFirst && targets.Contains(leader))
        {
            if (options.InPlace)
                Add(await RestartLeaderInPlaceAsync(api, leader, steps.Count + 1, config, maxLag, options, progress, ct).ConfigureAwait(false));
            else
                foreach (RollingRestartStep s in await SwitchOverLeaderAsync(api, leader, steps.Count + 1, config, maxLag, options, progress, ct).ConfigureAwait(false))
                    Add(s);
        }
        await api.RefreshSessionAsync(ct).ConfigureAwait(false);
        return steps;
    }

    private static PatroniMember Preflight(ClusterSnapshot cluster, RollingRestartOptions options, long maxLag)
    {
        PatroniMember leader = cluster.Leader ?? throw Refused(
            "the cluster has no leader. Fix that first (Invoke-PatroniFailover).");
        if (cluster.Paused)
            throw Refused("the cluster is paused (maintenance mode): Patroni would not fail over if a restart went " +
                "wrong. Resume it first (Resume-PatroniCluster).");
        if (ClusterConditions.HealthProblem(cluster, maxLag) is { } problem)
            throw Refused($"the cluster is not healthy ({problem}). Wait for it (Wait-PatroniCluster -Condition Healthy).");
        if (!options.InPlace && !cluster.Replicas.Any(r => r.IsRunning && !r.NoFailover))
            throw Refused($"no replica could take over from {leader.Name} (none runs without the nofailover tag). " +
                "Add one, or restart the leader in place with -InPlace.");
        return leader;
    }

    private static async Task<RollingRestartStep> RestartReplicaAsync(DrillApi api, string name, int step,
        PatroniDynamicConfig config, long maxLag, long? replayedAtLeast, RollingRestartOptions options, Action<string> progress,
        CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        ClusterSnapshot now = await api.GetClusterAsync(ct).ConfigureAwait(false);
        PatroniMember m = MemberActions.Select(now, [name])[0];
        if (options.PendingOnly && !m.PendingRestart)
            return new RollingRestartStep(step, name, m.Role.ToString(), "Skipped", null, sw.Elapsed, "no pending restart any more");
        if (replayedAtLeast is { } lsn)
            await Poll.UntilAsync($"{name} to replay the restarted leader's WAL", options.StepTimeout, async c =>
            {
                PatroniNodeStatus s = await api.Client.GetNodeStatusAsync(MemberActions.EndpointOf(m), c).ConfigureAwait(false);
                return s.ReplayedLocation >= lsn ? null : $"{name} replayed {s.ReplayedLocation?.ToString() ?? "nothing"} of {lsn}";
            }, progress, ct, name).ConfigureAwait(false);
        progress($"Restarting replica {name}");
        MemberActionResult r = await MemberActions.RestartAsync(api.Client, m, new RestartRequest(), config.PrimaryStartTimeout, ct).ConfigureAwait(false);
        await ReplicaWait.UntilCaughtUpAsync(api, name, maxLag, pendingCleared: false, options.StepTimeout, progress, ct).ConfigureAwait(false);
        if (await StillPendingAsync(api, name, config, ct).ConfigureAwait(false))
        {
            // Patroni started it with a larger value from pg_control (its primary's, not yet replayed): once
            // caught up, a second restart takes the configured value.
            progress($"{name} still reports a pending restart after catching up; restarting it once more");
            r = await MemberActions.RestartAsync(api.Client, m, new RestartRequest(), config.PrimaryStartTimeout, ct).ConfigureAwait(false);
        }
        await ReplicaWait.UntilCaughtUpAsync(api, name, maxLag, pendingCleared: true, options.StepTimeout, progress, ct).ConfigureAwait(false);
        return new RollingRestartStep(step, name, m.Role.ToString(), "Restarted", null, sw.Elapsed, r.Message);
    }

    /// <summary>The member's pending_restart, given a few of Patroni's loops to clear it (it lags by loop_wait).</summary>
    private static async Task<bool> StillPendingAsync(DrillApi api, string name, PatroniDynamicConfig config, CancellationToken ct)
    {
        TimeSpan settle = TimeSpan.FromSeconds(Math.Max(5, 3 * (config.LoopWait ?? 10)));
        var sw = Stopwatch.StartNew();
        while (true)
        {
            ClusterSnapshot c = await api.GetClusterAsync(ct).ConfigureAwait(false);
            if (c.Members.FirstOrDefault(x => x.Name == name) is not { PendingRestart: true })
                return false;
            if (sw.Elapsed >= settle)
                return true;
            await Task.Delay(Poll.Interval, ct).ConfigureAwait(false);
        }
    }

    private static async Task<RollingRestartStep> RestartLeaderInPlaceAsync(DrillApi api, PatroniMember leader, int step,
        PatroniDynamicConfig config, long maxLag, RollingRestartOptions options, Action<string> progress, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        progress($"Restarting leader {leader.Name} in place");
        MemberActionResult r = await MemberActions.RestartAsync(api.Client, leader, new RestartRequest(), config.PrimaryStartTimeout, ct).ConfigureAwait(false);
        await Poll.UntilAsync($"{leader.Name} to lead a healthy cluster again", options.StepTimeout, async c =>
        {
            ClusterSnapshot s = await api.GetClusterAsync(c).ConfigureAwait(false);
            return ClusterConditions.LeaderProblem(s, leader.Name) ?? ClusterConditions.HealthProblem(s, maxLag);
        }, progress, ct, leader.Name).ConfigureAwait(false);
        await api.RefreshSessionAsync(ct).ConfigureAwait(false);
        return new RollingRestartStep(step, leader.Name, leader.Role.ToString(), "RestartedInPlace", leader.Name, sw.Elapsed, r.Message);
    }

    private static async Task<IReadOnlyList<RollingRestartStep>> SwitchOverLeaderAsync(DrillApi api, PatroniMember leader,
        int step, PatroniDynamicConfig config, long maxLag, RollingRestartOptions options, Action<string> progress, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        ClusterSnapshot now = await api.GetClusterAsync(ct).ConfigureAwait(false);
        PatroniMember candidate = now.Replicas
            .Where(r => !r.NoFailover && ClusterConditions.ReplicaProblem(now, r, maxLag) is null)
            .OrderBy(r => r.LagBytes ?? long.MaxValue).ThenBy(r => r.Name, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new PatroniHaException(PatroniErrorIds.RollingRestartFailed, FailureKind.ResourceUnavailable,
                $"The rolling restart stopped half way: the replicas were restarted, but no caught-up replica can take " +
                $"over from leader {leader.Name} now. Run it again later (-PendingOnly), or use -InPlace.", leader.Name);
        progress($"Switching over from {leader.Name} to {candidate.Name}");
        ChangeResult change = await ClusterChange.SwitchoverAsync(api, candidate.Name, null, options.StepTimeout, progress, ct)
            .ConfigureAwait(false);
        var steps = new List<RollingRestartStep>
        {
            new(step, leader.Name, leader.Role.ToString(), "SwitchedOver", change.NewLeader, sw.Elapsed, change.Message),
        };
        // The old leader restarts as a replica on the new settings; restart it again only if it still reports pending.
        await ReplicaWait.UntilCaughtUpAsync(api, leader.Name, maxLag, pendingCleared: false, options.StepTimeout, progress, ct).ConfigureAwait(false);
        ClusterSnapshot after = await api.GetClusterAsync(ct).ConfigureAwait(false);
        if (after.Members.FirstOrDefault(m => m.Name == leader.Name) is { PendingRestart: true })
            steps.Add(await RestartReplicaAsync(api, leader.Name, step + 1, config, maxLag, null, options with { PendingOnly = false }, progress, ct).ConfigureAwait(false));
        return steps;
    }

    /// <summary>
    /// True when the configured value of a shared-memory setting is below what the leader runs with now
    /// (3.3+ also names it in pending_restart_reason).
    /// </summary>
    private static async Task<bool> DecreasesSharedMemoryAsync(DrillApi api, ClusterSnapshot cluster,
        PatroniDynamicConfig config, CancellationToken ct)
    {
        foreach (PendingSettingChange p in cluster.Leader?.PendingRestartReason ?? [])
            if (SharedMemorySettings.Contains(p.Name) && Lower(p.NewValue, p.OldValue))
                return true;
        var wanted = new Dictionary<string, string>();
        if (config.Raw.ValueKind == System.Text.Json.JsonValueKind.Object
            && config.Raw.TryGetProperty("postgresql", out var pg) && pg.ValueKind == System.Text.Json.JsonValueKind.Object
            && pg.TryGetProperty("parameters", out var ps) && ps.ValueKind == System.Text.Json.JsonValueKind.Object)
            foreach (var p in ps.EnumerateObject())
                if (SharedMemorySettings.Contains(p.Name))
                    wanted[p.Name] = p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        if (wanted.Count == 0)
            return false;
        QueryResult r = await api.Session.ExecuteAsync(new QueryRequest(
            "SELECT string_agg(name || '=' || setting, ',') FROM pg_settings WHERE name = ANY(@names)")
        {
            Parameters = new Dictionary<string, object?> { ["names"] = wanted.Keys.ToArray() },
            Shape = QueryShape.Scalar,
            Idempotent = true,
            TimeoutSeconds = 10,
        }, null, ct).ConfigureAwait(false);
        foreach (string pair in ((r.Value as string) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            if (kv.Length == 2 && wanted.TryGetValue(kv[0], out string? want) && Lower(want, kv[1]))
                return true;
        }
        return false;
    }

    private static bool Lower(string? value, string? than) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long a)
        && long.TryParse(than, NumberStyles.Integer, CultureInfo.InvariantCulture, out long b) && a < b;

    private static PatroniHaException Refused(string why) =>
        new(PatroniErrorIds.RollingRestartFailed, FailureKind.InvalidOperation, $"The rolling restart did not start: {why}", null);
}
