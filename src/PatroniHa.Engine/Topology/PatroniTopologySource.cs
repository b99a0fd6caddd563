using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Topology;

/// <summary>Topology from Patroni's REST API: every known endpoint asked in parallel, first good answer wins.</summary>
public sealed class PatroniTopologySource : ITopologySource, IDisposable
{
    public PatroniTopologySource(PatroniApiOptions options)
    {
        Options = options;
    }

    public PatroniApiOptions Options { get; }

    public Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct) => throw new NotImplementedException();

    public void Dispose()
    {
    }
}
