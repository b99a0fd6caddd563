using System.Diagnostics;
using System.Globalization;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

/// <summary>
/// patronictl restart, flush, reload and reinit over the REST API: each request goes to the member's own
/// Patroni (only it can act on its PostgreSQL), and every answer becomes a result or an error with a stable id.
/// </summary>
public static class MemberActions
{
    /// <summary>Patroni's default primary_start_timeout: how long an unscheduled POST /restart may block.</summary>
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Finds members by name; every name must exist.</summary>
    public static IReadOnlyList<PatroniMember> Select(ClusterSnapshot cluster, IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
            return cluster.Members;
        return names.Select(n => cluster.Members.FirstOrDefault(m => string.Equals(m.Name, n, StringComparison.Ordinal))
            ?? throw AdminErrors.MemberNotFound(n, cluster)).Distinct().ToList();
    }

    public static Uri EndpointOf(PatroniMember m) => PatroniEndpoint.FromApiUrl(m.ApiUrl) ?? throw AdminErrors.NoApiUrl(m);

    /// <summary>
    /// POST /restart on <paramref name="member"/>. An unscheduled restart blocks until PostgreSQL is back, so
    /// the HTTP deadline is Patroni's start timeout (<paramref name="configuredStartTimeout"/> or the request's)
    /// plus a minute.
    /// </summary>
    public static async Task<MemberActionResult> RestartAsync(PatroniRestClient client, PatroniMember member, RestartRequest request,
        int? configuredStartTimeout, CancellationToken ct)
    {
        var body = new Dictionary<string, object>();
        if (request.PendingOnly)
            body["restart_pending"] = true;
        if (request.PostgresVersion is { } v)
            body["postgres_version"] = v;
        if (request.ScheduledAt is { } at)
            body["schedule"] = at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        if (request.StartTimeout is { } t)
            body["timeout"] = (int)Math.Ceiling(t.TotalSeconds);
        TimeSpan start = request.StartTimeout
            ?? (configuredStartTimeout is { } s ? TimeSpan.FromSeconds(s) : DefaultStartTimeout);
        TimeSpan deadline = request.ScheduledAt is null ? start + TimeSpan.FromSeconds(60) : client.ReadTimeout + TimeSpan.FromSeconds(10);

        var sw = Stopwatch.StartNew();
        AdminAnswer a = await client.SendAdminAsync(HttpMethod.Post, EndpointOf(member), "restart",
            PatroniRestClient.BodyText(body), deadline, ct).ConfigureAwait(false);
        string what = $"POST /restart on {member.Name}";
        if (request.ScheduledAt is { } scheduled && ScheduleRefusal.From(a.Status, a.Text, member.Name, "restart",
                scheduled, member.Name, "restart now without -ScheduledAt") is { } refused)
            throw refused;
        return a.Status switch
        {
            200 => new(member.Name, "Restart", MemberActionStatus.Done, 200, a.Text, null, sw.Elapsed),
            202 => new(member.Name, "Restart", MemberActionStatus.Scheduled, 202, a.Text, request.ScheduledAt, sw.Elapsed),
            503 when Has(a, "conditions are not satisfied") =>
                new(member.Name, "Restart", MemberActionStatus.Skipped, 503, a.Text, null, sw.Elapsed),
            503 when Has(a, "in progress") || Has(a, "still starting") => throw InProgress(a, what, member.Name),
            409 => throw AdminErrors.Error(PatroniErrorIds.RestartAlreadyScheduled, FailureKind.ResourceExists,
                $"{member.Name} already has a scheduled restart ({a.Text}). Cancel it first with " +
                $"Clear-PatroniScheduledRestart -Member {member.Name}, or keep it.", member.Name),
            0 => throw AdminErrors.Error(PatroniErrorIds.RestartFailed, FailureKind.OperationTimeout,
                $"{member.Name} gave no answer to POST /restart within {deadline.TotalSeconds:0} s; the restart may " +
                "still be running. Check Get-PatroniTopology -Extended before trying again.", member.Name),
            _ => throw AdminErrors.Error(PatroniErrorIds.RestartFailed,
                a.Status == 400 ? FailureKind.InvalidArgument : FailureKind.ResourceUnavailable,
                $"{member.Name} could not restart (HTTP {a.Status}: {a.Text}). Check the Patroni and PostgreSQL log " +
                "on that member.", member.Name),
        };
    }

    /// <summary>DELETE /restart: cancels the member's scheduled restart.</summary>
    public static async Task<MemberActionResult> CancelRestartAsync(PatroniRestClient client, PatroniMember member, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        AdminAnswer a = await client.SendAdminAsync(HttpMethod.Delete, EndpointOf(member), "restart", null,
            client.ReadTimeout, ct).ConfigureAwait(false);
        return a.Status switch
        {
            200 => new(member.Name, "CancelRestart", MemberActionStatus.Canceled, 200, a.Text, member.ScheduledRestart?.At, sw.Elapsed),
            404 => throw NothingScheduled($"{member.Name} has no scheduled restart ({a.Text}).", member.Name),
            _ => throw AdminErrors.Unexpected(a, $"DELETE /restart on {member.Name}", member.Name),
        };
    }

    /// <summary>DELETE /switchover: cancels the cluster's scheduled switchover (any member can).</summary>
    public static async Task<MemberActionResult> CancelSwitchoverAsync(DrillApi api, CancellationToken ct)
    {
        ClusterSnapshot cluster = await api.GetClusterAsync(ct).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        AdminAnswer a = await PatroniRestClient.FirstAnswerAsync(api.Endpoints(cluster.Leader),
            (e, c) => api.Client.SendAdminAsync(HttpMethod.Delete, e, "switchover", null, api.Client.ReadTimeout, c),
            e => e.ErrorId == PatroniErrorIds.TopologyUnavailable, ct).ConfigureAwait(false);
        string name = cluster.Leader?.Name ?? cluster.Scope ?? "cluster";
        return a.Status switch
        {
            200 => new(name, "CancelSwitchover", MemberActionStatus.Canceled, 200, a.Text, cluster.ScheduledSwitchover?.At, sw.Elapsed),
            404 => throw NothingScheduled($"The cluster has no scheduled switchover ({a.Text}).", name),
            409 => throw InProgress(a, "DELETE /switchover", name),
            _ => throw AdminErrors.Unexpected(a, "DELETE /switchover", name),
        };
    }

    /// <summary>POST /reload: Patroni re-reads its configuration and reloads PostgreSQL (202: queued).</summary>
    public static async Task<MemberActionResult> ReloadAsync(PatroniRestClient client, PatroniMember member, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        AdminAnswer a = await client.SendAdminAsync(HttpMethod.Post, EndpointOf(member), "reload", null,
            client.ReadTimeout, ct).ConfigureAwait(false);
        return a.Status is 200 or 202
            ? new(member.Name, "Reload", MemberActionStatus.Done, a.Status, a.Text, null, sw.Elapsed)
            : throw AdminErrors.Unexpected(a, $"POST /reload on {member.Name}", member.Name);
    }

    /// <summary>
    /// POST /reinitialize on a replica: Patroni wipes its data directory and clones it again. Refused here for
    /// the leader. <paramref name="fromLeader"/> needs Patroni 4.1 on that member.
    /// </summary>
    public static async Task<MemberActionResult> ReinitializeAsync(DrillApi api, string name, bool force, bool fromLeader,
        TimeSpan? wait, Action<string> progress, CancellationToken ct)
    {
        ClusterSnapshot cluster = await api.GetClusterAsync(ct).ConfigureAwait(false);
        PatroniMember member = Select(cluster, [name])[0];
        if (member.IsLeader)
            throw AdminErrors.Error(PatroniErrorIds.ReinitializeRefused, FailureKind.InvalidOperation,
                $"{member.Name} is the leader: reinitializing it would throw away the cluster's data. Reinitialize a " +
                "replica, or switch over first (Invoke-PatroniSwitchover).", member.Name);
        Uri endpoint = EndpointOf(member);
        PatroniNodeStatus before = await api.Client.GetNodeStatusAsync(endpoint, ct).ConfigureAwait(false);
        if (fromLeader && !AtLeast(before.PatroniVersion, 4, 1))
            throw AdminErrors.Error(PatroniErrorIds.FeatureNotSupported, FailureKind.NotImplemented,
                $"{member.Name} runs Patroni {before.PatroniVersion ?? "(unknown)"}; cloning from the leader " +
                "(from_leader) needs Patroni 4.1 or later. Leave out -FromLeader.", member.Name);

        var body = new Dictionary<string, object> { ["force"] = force };
        if (fromLeader)
            body["from_leader"] = true;
        var sw = Stopwatch.StartNew();
        progress($"Asking {member.Name} to reinitialize");
        AdminAnswer a = await api.Client.SendAdminAsync(HttpMethod.Post, endpoint, "reinitialize",
            PatroniRestClient.BodyText(body), api.Client.ReadTimeout + TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        string request = $"POST /reinitialize on {member.Name}";
        switch (a.Status)
        {
            case 200:
                break;
            case 503 when Has(a, "in progress"):
                throw InProgress(a, request, member.Name);
            case 503 when Has(a, "leader"):
                throw AdminErrors.Error(PatroniErrorIds.ReinitializeRefused,
                    Has(a, "I am the leader") ? FailureKind.InvalidOperation : FailureKind.ResourceUnavailable,
                    $"{member.Name} refused to reinitialize: {a.Text}. A replica is cloned from a running leader; " +
                    "check Get-PatroniTopology.", member.Name);
            default:
                throw AdminErrors.Unexpected(a, request, member.Name);
        }
        if (wait is not { } timeout)
            return new(member.Name, "Reinitialize", MemberActionStatus.Started, 200, a.Text, null, sw.Elapsed);
        await ReplicaWait.UntilStreamingAfterAsync(api, member, before.PostmasterStartTime, timeout, progress, ct)
            .ConfigureAwait(false);
        return new(member.Name, "Reinitialize", MemberActionStatus.Done, 200, a.Text, null, sw.Elapsed);
    }

    internal static bool AtLeast(string? version, int major, int minor)
    {
        if (version is null || !Version.TryParse(new string(version.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).Trim('.'), out var v))
            return false;
        return v.Major > major || (v.Major == major && v.Minor >= minor);
    }

    private static bool Has(AdminAnswer a, string text) => a.Text.Contains(text, StringComparison.OrdinalIgnoreCase);

    private static PatroniHaException InProgress(AdminAnswer a, string request, string target) =>
        AdminErrors.Error(PatroniErrorIds.ActionInProgress, FailureKind.ResourceBusy,
            $"{request} was refused because something is already running there (HTTP {a.Status}: {a.Text}). Wait " +
            "until it ends (Wait-PatroniCluster -Condition Healthy), then try again.", target);

    private static PatroniHaException NothingScheduled(string message, string target) =>
        AdminErrors.Error(PatroniErrorIds.NothingScheduled, FailureKind.ObjectNotFound,
            message + " Nothing was changed; Get-PatroniTopology -Extended shows what is scheduled.", target);
}
