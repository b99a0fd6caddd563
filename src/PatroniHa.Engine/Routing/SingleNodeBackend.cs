using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Patroni;

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

    public override Task<IReadOnlyList<PatroniMember>> GetMembersAsync(bool refresh, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<PatroniMember>>([new PatroniMember(_server.Name, _server.Host, _server.Port,
            MemberRole.Leader, "single-node", null, null, new Dictionary<string, object?>(), null)]);
}
