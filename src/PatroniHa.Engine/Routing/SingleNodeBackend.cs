using PatroniHa.Engine.Configuration;

namespace PatroniHa.Engine.Routing;

/// <summary>Single-node mode: one plain PostgreSQL server takes reads and writes.</summary>
public sealed class SingleNodeBackend : ClusterBackend
{
    private readonly RouteTarget _server;

    public SingleNodeBackend(ClusterOptions options)
        : base(options)
    {
        string host = options.HostName ?? "localhost";
        _server = new RouteTarget($"{host}:{options.Port}", host, options.Port, IsLeader: true);
    }

    public override ClusterMode Mode => ClusterMode.SingleNode;

    public RouteTarget Server => _server;

    public override RouteTarget? Writer => _server;

    public override IReadOnlyList<RouteTarget> Readers() => [_server];

    public override long Epoch => 0;
}
