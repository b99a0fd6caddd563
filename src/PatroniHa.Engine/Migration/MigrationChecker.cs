using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Topology.Discovery;
using N = PatroniHa.Engine.Migration.MigrationCheckNames;

namespace PatroniHa.Engine.Migration;

/// <summary>
/// The migration guide's prerequisites, checked from this machine without a session: discovers the cluster
/// through the configured REST endpoints, then asks every member at once (REST API and a PostgreSQL login), each
/// bounded by <c>memberTimeout</c>. An unreachable cluster is a report with failed rows, not an exception: that
/// is the answer to "is it ready?". Only bad settings (InvalidConfiguration) and cancellation throw.
/// </summary>
public static class MigrationChecker
{
    public static readonly TimeSpan DefaultMemberTimeout = TimeSpan.FromSeconds(15);

    public static async Task<MigrationReport> CheckAsync(ClusterOptions options, IReadOnlyList<string> extensions,
        TimeSpan memberTimeout, CancellationToken ct)
    {
        IReadOnlyList<Uri> endpoints = PatroniEndpoint.ParseAll(options.Api.Endpoints, options.Api.DefaultPort);
        // A request must not outlive the member's budget (the REST default is 2 s; a shorter budget wins).
        PatroniApiOptions api = options.Api.RequestTimeout > memberTimeout ? options.Api with { RequestTimeout = memberTimeout } : options.Api;
        using var client = new PatroniRestClient(api);

        ClusterSnapshot snapshot;
        try
        {
            snapshot = await new TopologyDiscovery(client).DiscoverAsync(endpoints, ct).ConfigureAwait(false);
        }
        catch (PatroniHaException e) when (e.ErrorId != PatroniErrorIds.InvalidConfiguration && !ct.IsCancellationRequested)
        {
            var rows = await Task.WhenAll(endpoints.Select(async endpoint =>
            {
                var (node, problem) = await MemberProbe.ReadNodeAsync(client, endpoint, memberTimeout, ct, ct).ConfigureAwait(false);
                return node is not null
                    ? MigrationEvaluator.Row(N.RestApi, endpoint.Authority, CheckStatus.Warning,
                        $"{endpoint} answers GET /patroni (state {node.State}) but did not describe the cluster in GET /cluster.")
                    : MigrationEvaluator.Row(N.RestApi, endpoint.Authority, CheckStatus.Failed, problem ?? "no answer.");
            })).ConfigureAwait(false);
            return MigrationEvaluator.Unreachable(e.Message, rows, options);
        }

        Task<PatroniDynamicConfig?> config = ReadConfigAsync(client, endpoints, ct);
        MemberFacts[] facts = await Task.WhenAll(snapshot.Members.Select(m =>
            MemberProbe.ProbeAsync(client, options, m, extensions, memberTimeout, ct))).ConfigureAwait(false);
        return MigrationEvaluator.Evaluate(snapshot, facts, extensions, options, await config.ConfigureAwait(false));
    }

    /// <summary>GET /config from the first endpoint that answers; null (a warning row) when none does.</summary>
    private static async Task<PatroniDynamicConfig?> ReadConfigAsync(PatroniRestClient client, IReadOnlyList<Uri> endpoints,
        CancellationToken ct)
    {
        try
        {
            return await client.GetConfigAsync(endpoints, ct).ConfigureAwait(false);
        }
        catch (PatroniHaException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
