using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Topology;

namespace PatroniHa.Engine.Sessions;

/// <summary>Connects sessions with the production parts: Patroni's REST API as the topology source.</summary>
public static class SessionFactory
{
    public static Task<ClusterSession> ConnectAsync(ClusterOptions options, CancellationToken ct) =>
        ClusterSession.ConnectAsync(options, o => new PatroniTopologySource(o.Api), ct);
}
