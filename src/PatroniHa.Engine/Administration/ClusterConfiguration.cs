using System.Text.Json.Nodes;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Administration;

/// <summary>A change of /config and what came of it.</summary>
/// <param name="RestartRequired">PostgreSQL parameters (by name) that only take effect after a restart.</param>
public sealed record ConfigUpdate(IReadOnlyList<ConfigChange> Changes, IReadOnlySet<string> RestartRequired,
    PatroniDynamicConfig? After);

/// <summary>
/// patronictl edit-config, pause and resume over the REST API: PATCH /config (merge; null removes a key),
/// PUT /config (replace the whole document). Any member answers for the cluster, so the request goes to the
/// first endpoint that can be reached; whatever Patroni answered is final.
/// </summary>
public static class ClusterConfiguration
{
    /// <summary>What PATCH (or PUT, with <paramref name="replace"/>) would change, with restart needs; sends nothing.</summary>
    public static async Task<ConfigUpdate> PreviewAsync(DrillApi api, JsonObject document, bool replace, CancellationToken ct)
    {
        ConfigValueCheck.Validate(document, replace ? "PUT /config" : "PATCH /config");
        PatroniDynamicConfig current = await GetOrEmptyAsync(api, ct).ConfigureAwait(false);
        IReadOnlyList<ConfigChange> changes = replace
            ? ConfigDiff.ForReplace(current.Raw, document)
            : ConfigDiff.ForPatch(current.Raw, document);
        IReadOnlySet<string> restart = await PostmasterParametersAsync(api.Session,
            changes.Where(c => c.Kind != ConfigChangeKind.Unchanged).Select(c => c.ParameterName).OfType<string>().ToList(), ct)
            .ConfigureAwait(false);
        return new ConfigUpdate(changes, restart, null);
    }

    /// <summary>How long a change may take to show in GET /config (each member serves it from its DCS cache).</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends PATCH (or PUT) /config and returns the configuration Patroni answered with, once GET /config (what
    /// Get-PatroniConfiguration reads) shows it too: a member answers GET from its own copy of the DCS, which its
    /// watch updates a moment later (measured: the old value read back right after the change on a loaded machine).
    /// The wait is best effort: the change is made, so a read that fails or stays stale does not fail it.
    /// </summary>
    public static async Task<PatroniDynamicConfig> SendAsync(DrillApi api, JsonObject document, bool replace, CancellationToken ct)
    {
        PatroniDynamicConfig answered = await SendOnceAsync(api, document, replace, ct).ConfigureAwait(false);
        JsonNode? expected = JsonNode.Parse(answered.Raw.GetRawText());
        try
        {
            await Poll.UntilAsync("GET /config to show the change", SettleTimeout, async c =>
            {
                PatroniDynamicConfig read = await GetOrEmptyAsync(api, c).ConfigureAwait(false);
                return JsonNode.DeepEquals(JsonNode.Parse(read.Raw.GetRawText()), expected) ? null : "the previous configuration";
            }, null, ct).ConfigureAwait(false);
        }
        catch (PatroniHaException) when (!ct.IsCancellationRequested)
        {
        }
        return answered;
    }

    private static async Task<PatroniDynamicConfig> SendOnceAsync(DrillApi api, JsonObject document, bool replace, CancellationToken ct)
    {
        HttpMethod method = replace ? HttpMethod.Put : HttpMethod.Patch;
        string request = $"{method.Method} /config";
        AdminAnswer a = await PatroniRestClient.FirstAnswerAsync(api.Endpoints(api.Backend.Monitor.Current?.Leader),
            (e, c) => api.Client.SendAdminAsync(method, e, "config", PatroniRestClient.BodyText(document), api.Client.ReadTimeout + TimeSpan.FromSeconds(10), c),
            e => e.ErrorId == PatroniErrorIds.TopologyUnavailable, ct).ConfigureAwait(false);
        return a.Status switch
        {
            200 => PatroniJson.ParseConfig(a.Body, a.Endpoint),
            409 => throw AdminErrors.Error(PatroniErrorIds.ConfigConflict, FailureKind.ResourceBusy,
                $"Another change of the configuration landed at the same moment ({a.Text}); nothing of yours was " +
                "applied. Read it again (Get-PatroniConfiguration) and repeat the change.", request),
            502 or 503 when Has(a, "config") || a.Status == 502 => throw AdminErrors.Error(PatroniErrorIds.ConfigMissing, FailureKind.ObjectNotFound,
                $"The cluster has no configuration to change ({a.Text}, HTTP {a.Status}). It is written when the cluster " +
                "is bootstrapped; check that the leader is up (Get-PatroniTopology).", request),
            400 or 411 or 422 => throw AdminErrors.Error(PatroniErrorIds.ConfigRejected, FailureKind.InvalidArgument,
                $"Patroni rejected {request} (HTTP {a.Status}: {a.Text}).", request),
            _ => throw AdminErrors.Unexpected(a, request, request),
        };
    }

    /// <summary>GET /config; a cluster without a configuration key reads as an empty one.</summary>
    public static async Task<PatroniDynamicConfig> GetOrEmptyAsync(DrillApi api, CancellationToken ct)
    {
        try
        {
            return await api.GetConfigAsync(ct).ConfigureAwait(false);
        }
        catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.NotPatroni && !ct.IsCancellationRequested)
        {
            using var empty = System.Text.Json.JsonDocument.Parse("{}");
            return new PatroniDynamicConfig(null, null, null, null, null, null, false, empty.RootElement.Clone());
        }
    }

    /// <summary>
    /// Which of <paramref name="names"/> PostgreSQL only applies at server start (pg_settings.context =
    /// 'postmaster'), asked on the leader. Names PostgreSQL does not know are not in the set.
    /// </summary>
    public static async Task<IReadOnlySet<string>> PostmasterParametersAsync(ClusterSession session,
        IReadOnlyList<string> names, CancellationToken ct)
    {
        if (names.Count == 0)
            return new HashSet<string>();
        QueryResult r = await session.ExecuteAsync(new QueryRequest(
            "SELECT coalesce(string_agg(name, ','), '') FROM pg_settings WHERE context = 'postmaster' AND name = ANY(@names)")
        {
            Parameters = new Dictionary<string, object?> { ["names"] = names.Select(n => n.ToLowerInvariant()).ToArray() },
            Shape = QueryShape.Scalar,
            Idempotent = true,
            TimeoutSeconds = 10,
        }, null, ct).ConfigureAwait(false);
        var found = ((r.Value as string) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return names.Where(found.Contains).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Pause (maintenance mode) on or off: PATCH /config {"pause": true} or {"pause": null}. With
    /// <paramref name="wait"/>, until every member's own Patroni reports it. Returns whether it was paused before.
    /// </summary>
    public static async Task<bool> SetPauseAsync(DrillApi api, bool paused, TimeSpan? wait, Action<string> progress,
        CancellationToken ct)
    {
        PatroniDynamicConfig before = await GetOrEmptyAsync(api, ct).ConfigureAwait(false);
        if (before.Paused != paused)
        {
            progress(paused ? "Pausing the cluster (maintenance mode)" : "Resuming the cluster");
            var body = new JsonObject { ["pause"] = paused ? JsonValue.Create(true) : null };
            await SendAsync(api, body, replace: false, ct).ConfigureAwait(false);
        }
        if (wait is { } timeout)
            await ClusterConditions.WaitAsync(api, paused ? ClusterCondition.Paused : ClusterCondition.Resumed, null,
                0, timeout, progress, ct).ConfigureAwait(false);
        await api.RefreshSessionAsync(ct).ConfigureAwait(false);
        return before.Paused;
    }

    private static bool Has(AdminAnswer a, string text) => a.Text.Contains(text, StringComparison.OrdinalIgnoreCase);
}
