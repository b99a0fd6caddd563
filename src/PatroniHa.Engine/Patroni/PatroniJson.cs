using System.Text.Json;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// Turns Patroni's REST API documents (3.0.x … 4.x) into the engine's model. Unknown fields are ignored and
/// missing ones become null; a body that is not Patroni's gives a <see cref="PatroniErrorIds.NotPatroni"/> error.
/// </summary>
public static class PatroniJson
{
    /// <summary>Parses GET /cluster.</summary>
    public static ClusterSnapshot ParseCluster(string body, Uri source, DateTimeOffset readAt)
    {
        using var doc = Open(body, source, "/cluster");
        var root = doc.RootElement;
        if (root.Prop("members") is not { ValueKind: JsonValueKind.Array } members)
            throw NotPatroni(source, "/cluster", "the JSON has no \"members\" list");

        var list = new List<PatroniMember>();
        foreach (var m in members.EnumerateArray())
            if (ParseMember(m) is { } member)
                list.Add(member);

        return new ClusterSnapshot(root.Str("scope"), list, root.Bool("pause") ?? false, source, readAt)
        {
            ScheduledSwitchover = root.Prop("scheduled_switchover") is { ValueKind: JsonValueKind.Object } s
                ? new ScheduledSwitchover(s.Time("at"), s.Str("from"), s.Str("to"))
                : null,
        };
    }

    /// <summary>Parses GET /patroni (the node's own status).</summary>
    public static PatroniNodeStatus ParseNodeStatus(string body, Uri source)
    {
        using var doc = Open(body, source, "/patroni");
        var root = doc.RootElement;
        // Every version sends "state"; the healthy path adds the "patroni" block.
        if (root.Prop("state") is null && root.Prop("patroni") is null)
            throw NotPatroni(source, "/patroni", "the JSON has neither \"state\" nor \"patroni\"");

        var xlog = root.Prop("xlog") ?? default;
        var patroni = root.Prop("patroni") ?? default;
        var rawRole = root.Str("role");
        return new PatroniNodeStatus(
            Name: patroni.Str("name"),
            Scope: patroni.Str("scope"),
            PatroniVersion: patroni.Str("version"),
            State: root.Str("state") ?? "unknown",
            Role: ParseRole(rawRole),
            RawRole: rawRole,
            ServerVersion: root.Int("server_version"),
            Timeline: root.Long("timeline"),
            WalLocation: xlog.Long("location"),
            ReceivedLocation: xlog.Long("received_location"),
            ReplayedLocation: xlog.Long("replayed_location"),
            ReplayedTimestamp: xlog.Time("replayed_timestamp"),
            ReplayPaused: xlog.Bool("paused"),
            ReplicationState: root.Str("replication_state"),
            Paused: root.Bool("pause") ?? false,
            ClusterUnlocked: root.Bool("cluster_unlocked") ?? false,
            DcsLastSeen: root.EpochSeconds("dcs_last_seen"),
            PostmasterStartTime: root.Time("postmaster_start_time"),
            Tags: root.Tags("tags"))
        {
            SyncStandby = root.Bool("sync_standby") ?? false,
            PendingRestart = root.Bool("pending_restart") ?? false,
            FailsafeModeIsActive = root.Bool("failsafe_mode_is_active") ?? false,
            DatabaseSystemIdentifier = root.Str("database_system_identifier"),
            ReceiveLsn = root.Str("receive_lsn"),
            ReplayLsn = root.Str("replay_lsn"),
            LatestEndLsn = root.Long("latest_end_lsn"),
            Replication = root.Prop("replication") is { ValueKind: JsonValueKind.Array } list
                ? list.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object)
                    .Select(r => new ReplicationConnection(r.Str("application_name"), r.Str("state"), r.Str("sync_state")))
                    .ToList()
                : [],
        };
    }

    /// <summary>Parses GET /config (the dynamic configuration kept in the DCS).</summary>
    public static PatroniDynamicConfig ParseConfig(string body, Uri source)
    {
        using var doc = Open(body, source, "/config");
        var root = doc.RootElement;
        string[] known = ["ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "postgresql",
            "synchronous_mode", "pause"];
        if (!known.Any(k => root.TryGetProperty(k, out _)))
            throw NotPatroni(source, "/config", "the JSON has none of ttl, loop_wait, retry_timeout, postgresql");

        var syncText = root.Str("synchronous_mode");
        return new PatroniDynamicConfig(
            Ttl: root.Int("ttl"),
            LoopWait: root.Int("loop_wait"),
            RetryTimeout: root.Int("retry_timeout"),
            MaximumLagOnFailover: root.Long("maximum_lag_on_failover"),
            SynchronousMode: syncText == "quorum" ? true : root.Bool("synchronous_mode"),
            SynchronousModeStrict: root.Bool("synchronous_mode_strict"),
            Paused: root.Bool("pause") ?? false,
            Raw: root.Clone())
        {
            QuorumCommit = syncText == "quorum",
            FailsafeMode = root.Bool("failsafe_mode"),
            CheckTimeline = root.Bool("check_timeline"),
            PrimaryStartTimeout = root.Int("primary_start_timeout") ?? root.Int("master_start_timeout"),
        };
    }

    /// <summary>leader/master/primary → Leader … ; anything new → Unknown rather than an error.</summary>
    public static MemberRole ParseRole(string? role) => role?.Trim().ToLowerInvariant() switch
    {
        "leader" or "master" or "primary" => MemberRole.Leader,
        "replica" or "standby" => MemberRole.Replica,
        "sync_standby" => MemberRole.SyncStandby,
        "quorum_standby" => MemberRole.QuorumStandby,
        "standby_leader" => MemberRole.StandbyLeader,
        _ => MemberRole.Unknown,
    };

    private static PatroniMember? ParseMember(JsonElement m)
    {
        // A member without a name cannot be addressed by switchover or routing; skip it.
        if (m.Str("name") is not { Length: > 0 } name)
            return null;
        var api = m.Str("api_url");
        return new PatroniMember(
            Name: name,
            Host: m.Str("host") ?? "",
            // Patroni leaves "port" out when connect_address has none, i.e. PostgreSQL's default.
            Port: m.Int("port") ?? 5432,
            Role: ParseRole(m.Str("role")),
            State: m.Str("state") ?? "",
            Timeline: m.Long("timeline"),
            LagBytes: m.Long("lag"),
            Tags: m.Tags("tags"),
            ApiUrl: api is not null && Uri.TryCreate(api, UriKind.Absolute, out var u) ? u : null)
        {
            Lsn = LsnText(m, "lsn"),
            ReceiveLsn = LsnText(m, "receive_lsn"),
            ReplayLsn = LsnText(m, "replay_lsn"),
            ReceiveLagBytes = m.Long("receive_lag"),
            ReplayLagBytes = m.Long("replay_lag"),
            PendingRestart = m.Bool("pending_restart") ?? false,
            PendingRestartReason = PendingReasons(m),
            ScheduledRestart = m.Prop("scheduled_restart") is { ValueKind: JsonValueKind.Object } r
                ? new ScheduledRestart(r.Time("schedule"), r.Str("postgres_version"))
                : null,
        };
    }

    // 3.3+: {"max_connections": {"old_value": "100", "new_value": "200"}, ...}
    private static IReadOnlyList<PendingSettingChange> PendingReasons(JsonElement m)
    {
        if (m.Prop("pending_restart_reason") is not { ValueKind: JsonValueKind.Object } reasons)
            return [];
        return reasons.EnumerateObject()
            .Select(p => p.Value.ValueKind == JsonValueKind.Object
                ? new PendingSettingChange(p.Name, p.Value.Str("old_value"), p.Value.Str("new_value"))
                : new PendingSettingChange(p.Name, null, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()))
            .ToList();
    }

    // 4.x writes "unknown" when it has no position; that is absence, not a value.
    private static string? LsnText(JsonElement m, string name) =>
        m.Str(name) is { } s && !s.Equals("unknown", StringComparison.OrdinalIgnoreCase) ? s : null;

    private static JsonDocument Open(string body, Uri source, string path)
    {
        var text = body.AsSpan().TrimStart();
        if (text.IsEmpty)
            throw NotPatroni(source, path, "the body is empty");
        if (text[0] == '<')
            throw NotPatroni(source, path, $"it sent HTML/XML ({Excerpt(body)})");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw NotPatroni(source, path, $"the body is not JSON ({Excerpt(body)})", e);
        }
        var kind = doc.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw NotPatroni(source, path, $"the JSON is a {kind}, not an object");
        }
        return doc;
    }

    internal static PatroniHaException NotPatroni(Uri source, string path, string why, Exception? inner = null) =>
        new(PatroniErrorIds.NotPatroni, FailureKind.InvalidData,
            $"{source} answered GET {path} but is not Patroni's REST API: {why}. Check that the endpoint " +
            "points at Patroni's REST API port (restapi.listen, usually 8008), not PostgreSQL, a proxy or " +
            "another web server.",
            source, inner);

    internal static string Excerpt(string body)
    {
        var flat = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 60 ? $"\"{flat}\"" : $"\"{flat[..60]}…\"";
    }
}
