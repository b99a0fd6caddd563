using System.Net.Http;
using System.Text.Json;

namespace PatroniHa.Engine.Sandbox;

/// <summary>One member as GET /cluster reports it.</summary>
internal sealed record MemberStatus(string Name, string Role, string State);

/// <summary>What the probe saw; <see cref="Summary"/> goes into error messages.</summary>
internal sealed record HealthReport(bool Healthy, string? Leader, IReadOnlyList<MemberStatus> Members, string Summary)
{
    /// <summary>Replicas that run but do not stream from the leader (e.g. a diverged timeline pg_rewind could not fix).</summary>
    public IReadOnlyList<string> NotStreaming { get; init; } = [];
}

/// <summary>
/// Reads GET /cluster (and the leader's GET /patroni) with a plain HttpClient. Deliberately independent of
/// the engine's real Patroni client so that the sandbox can test that client.
/// </summary>
internal sealed class ClusterHealthProbe(HttpClient http, IReadOnlyList<(string Name, Uri Api)> endpoints)
{
    // Patroni 3.0.2 says leader (in /cluster) and master (in /patroni); 4.x says primary.
    private static readonly HashSet<string> LeaderRoles = ["leader", "master", "primary"];
    private static readonly HashSet<string> ReplicaRoles = ["replica", "sync_standby", "quorum_standby"];
    // 3.0.2 reports a healthy replica as running; 3.0.4+ as streaming.
    private static readonly HashSet<string> GoodStates = ["running", "streaming"];
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Asks each endpoint in turn and returns the first answer; null when none answers.</summary>
    public async Task<IReadOnlyList<MemberStatus>?> GetMembersAsync(CancellationToken ct)
    {
        foreach (var (_, endpoint) in endpoints)
        {
            using var doc = await TryGetJsonAsync(new Uri(endpoint, "/cluster"), ct).ConfigureAwait(false);
            if (doc?.RootElement.TryGetProperty("members", out var members) != true
                || members.ValueKind != JsonValueKind.Array)
                continue;
            return members.EnumerateArray().Select(m => new MemberStatus(
                Str(m, "name") ?? "?", Str(m, "role") ?? "?", Str(m, "state") ?? "?")).ToList();
        }
        return null;
    }

    public async Task<string?> GetLeaderNameAsync(CancellationToken ct)
    {
        var members = await GetMembersAsync(ct).ConfigureAwait(false);
        return members?.Where(m => LeaderRoles.Contains(m.Role)).Select(m => m.Name).FirstOrDefault();
    }

    /// <summary>Healthy: all expected members listed, all running, exactly one leader, and the leader
    /// sees every replica streaming (a replica may say running before it has caught up).</summary>
    public async Task<HealthReport> CheckAsync(IReadOnlyCollection<string> expected, bool synchronous,
        CancellationToken ct)
    {
        var members = await GetMembersAsync(ct).ConfigureAwait(false);
        if (members is null)
            return new HealthReport(false, null, [], "no Patroni REST endpoint answered GET /cluster");

        var summary = string.Join(", ", members.Select(m => $"{m.Name}={m.Role}/{m.State}"));
        var leaders = members.Where(m => LeaderRoles.Contains(m.Role)).ToList();
        var leader = leaders.Count == 1 ? leaders[0].Name : null;
        var healthy = leader is not null
            && expected.All(n => members.Any(m => m.Name == n))
            && members.Count == expected.Count
            && members.All(m => GoodStates.Contains(m.State))
            && members.All(m => m.Name == leader || ReplicaRoles.Contains(m.Role))
            && (!synchronous || expected.Count == 1 || members.Any(m => m.Role == "sync_standby"));
        if (!healthy)
            return new HealthReport(false, leader, members, summary);

        var replicas = members.Where(m => m.Name != leader).Select(m => m.Name).ToList();
        if (replicas.Count > 0)
        {
            var streaming = await GetStreamingReplicasAsync(leader!, ct).ConfigureAwait(false);
            var missing = replicas.Where(r => !streaming.Contains(r)).ToList();
            if (missing.Count > 0)
                return new HealthReport(false, leader, members,
                    $"{summary}; not yet streaming from the leader: {string.Join(", ", missing)}") { NotStreaming = missing };
        }
        return new HealthReport(true, leader, members, summary);
    }

    private async Task<HashSet<string>> GetStreamingReplicasAsync(string leader, CancellationToken ct)
    {
        var result = new HashSet<string>();
        var api = endpoints.FirstOrDefault(e => e.Name == leader).Api;
        if (api is null) return result;
        using var doc = await TryGetJsonAsync(new Uri(api, "/patroni"), ct).ConfigureAwait(false);
        if (doc?.RootElement.TryGetProperty("replication", out var replication) == true
            && replication.ValueKind == JsonValueKind.Array)
            foreach (var r in replication.EnumerateArray())
                if (Str(r, "state") == "streaming" && Str(r, "application_name") is { } name)
                    result.Add(name);
        return result;
    }

    // /cluster answers 200; /patroni answers 503 on a non-running member but still carries JSON.
    private Task<JsonDocument?> TryGetJsonAsync(Uri uri, CancellationToken ct) =>
        SandboxHttp.TryGetAsync<JsonDocument?>(http, uri, RequestTimeout, async (response, c) =>
        {
            await using var body = await response.Content.ReadAsStreamAsync(c).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(body, cancellationToken: c).ConfigureAwait(false);
        }, ct, e => e is JsonException);

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
