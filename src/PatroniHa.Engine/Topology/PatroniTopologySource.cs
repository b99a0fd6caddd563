using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Topology.Discovery;

namespace PatroniHa.Engine.Topology;

/// <summary>
/// Topology from Patroni's REST API: the configured endpoints and every member's api_url asked in
/// parallel, first good answer wins.
/// </summary>
public sealed class PatroniTopologySource : ITopologySource, IDisposable
{
    private readonly PatroniRestClient _client;
    private readonly TopologyDiscovery _discovery;
    private readonly EndpointSet _endpoints;
    private string? _scope;

    public PatroniTopologySource(PatroniApiOptions options)
    {
        _endpoints = new EndpointSet(PatroniEndpoint.ParseAll(options.Endpoints, options.DefaultPort));
        _client = new PatroniRestClient(options);
        _discovery = new TopologyDiscovery(_client);
    }

    public PatroniRestClient Client => _client;

    public IReadOnlyList<Uri> Endpoints => _endpoints.Current;

    public bool IsMemberApiDown(PatroniMember member) =>
        PatroniEndpoint.FromApiUrl(member.ApiUrl) is { } endpoint && _discovery.IsDown(endpoint);

    public Task<LeaderConfirmation> ConfirmLeaderAsync(PatroniMember member, TimeSpan timeout, CancellationToken ct) =>
        PatroniEndpoint.FromApiUrl(member.ApiUrl) is { } endpoint
            ? _client.ConfirmLeaderAsync(endpoint, timeout, ct)
            : throw new PatroniHaException(PatroniErrorIds.TopologyUnavailable, FailureKind.InvalidResult,
                $"{member.Name} lists no usable api_url ({member.ApiUrl?.ToString() ?? "none"}), so its Patroni cannot be asked.");

    public Task<PatroniNodeStatus> GetMemberStatusAsync(PatroniMember member, TimeSpan timeout, CancellationToken ct) =>
        PatroniEndpoint.FromApiUrl(member.ApiUrl) is { } endpoint
            ? _client.GetNodeStatusAsync(endpoint, timeout, ct)
            : throw new PatroniHaException(PatroniErrorIds.TopologyUnavailable, FailureKind.InvalidResult,
                $"{member.Name} lists no usable api_url, so its Patroni cannot be asked.");

    /// <summary>
    /// GET /config from the first endpoint that answers, those that answered the last refresh first: an endpoint
    /// that silently drops packets would otherwise use up each caller's timeout (the write lease waits for this).
    /// </summary>
    public Task<PatroniDynamicConfig> GetConfigAsync(CancellationToken ct) =>
        _client.GetConfigAsync(_endpoints.Current.OrderBy(_discovery.IsDown).ToList(), ct);

    public async Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct)
    {
        ClusterSnapshot snapshot = await _discovery.DiscoverAsync(_endpoints.Current, ct).ConfigureAwait(false);
        _endpoints.Observe(snapshot);
        return snapshot with { Scope = snapshot.Scope ?? await ScopeAsync(snapshot.Source, ct).ConfigureAwait(false) };
    }

    // Patroni 3.0.x leaves the scope out of /cluster; /patroni has it. Asked once.
    private async Task<string?> ScopeAsync(Uri endpoint, CancellationToken ct)
    {
        if (_scope is not null)
            return _scope;
        try
        {
            _scope = (await _client.GetNodeStatusAsync(endpoint, ct).ConfigureAwait(false)).Scope;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // The name is cosmetic: never fail a refresh over it.
        }
        return _scope;
    }

    public void Dispose() => _client.Dispose();
}
