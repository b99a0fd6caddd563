using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Topology.Discovery;

/// <summary>
/// The endpoints to ask next time: the configured ones (always kept) plus the members' api_urls from the
/// latest /cluster, so a refresh still finds the cluster when every configured host is down. Thread-safe.
/// </summary>
public sealed class EndpointSet
{
    private readonly object _gate = new();
    private readonly IReadOnlyList<Uri> _configured;
    private IReadOnlyList<Uri> _discovered = [];
    private IReadOnlyList<Uri> _all;

    public EndpointSet(IEnumerable<Uri> configured)
    {
        _configured = configured.Distinct().ToList();
        _all = _configured;
    }

    public IReadOnlyList<Uri> Configured => _configured;

    public IReadOnlyList<Uri> Discovered
    {
        get { lock (_gate) return _discovered; }
    }

    /// <summary>Configured endpoints first, then discovered ones; an immutable copy.</summary>
    public IReadOnlyList<Uri> Current
    {
        get { lock (_gate) return _all; }
    }

    /// <summary>
    /// Replaces the discovered endpoints with the api_urls of <paramref name="snapshot"/>'s members.
    /// Returns true when the set changed. A member that left the cluster stops being asked.
    /// </summary>
    public bool Observe(ClusterSnapshot snapshot)
    {
        var found = snapshot.Members
            .Select(m => PatroniEndpoint.FromApiUrl(m.ApiUrl))
            .OfType<Uri>()
            .Distinct()
            .Where(u => !_configured.Contains(u))
            .ToList();
        lock (_gate)
        {
            if (found.SequenceEqual(_discovered))
                return false;
            _discovered = found;
            _all = [.. _configured, .. found];
            return true;
        }
    }
}
