using System.Net;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Drills;

/// <summary>
/// Patroni's REST API as seen from a session, for the commands that change the cluster: its own
/// <see cref="PatroniRestClient"/> (so a per-command credential never touches the session's client) and the
/// endpoints to ask — the members' api_url from the session's last view first, then the configured ones.
/// </summary>
public sealed class DrillApi : IDisposable
{
    private readonly ClusterSession _session;

    private DrillApi(ClusterSession session, PatroniBackend backend, PatroniRestClient client)
    {
        _session = session;
        Backend = backend;
        Client = client;
    }

    public PatroniRestClient Client { get; }

    public PatroniBackend Backend { get; }

    public ClusterSession Session => _session;

    /// <summary>
    /// The API of <paramref name="session"/>; <paramref name="credential"/> (null: the session's) goes with
    /// POST /switchover and /failover. Fails with PatroniRequiresPatroniMode in single-node mode.
    /// </summary>
    public static DrillApi For(ClusterSession session, NetworkCredential? credential)
    {
        if (session.IsDisposed)
            throw new PatroniHaException(PatroniErrorIds.NotConnected, FailureKind.InvalidOperation,
                "This session is disconnected. Connect again with Connect-PatroniCluster.");
        if (session.Backend is not PatroniBackend backend)
            throw RequiresPatroniMode();
        var api = backend.Options.Api;
        if (credential is not null)
            api = api with { Credential = credential };
        var client = new PatroniRestClient(api);
        return new DrillApi(session, backend, client);
    }

    internal static PatroniHaException RequiresPatroniMode() =>
        new(PatroniErrorIds.RequiresPatroniMode, FailureKind.InvalidOperation,
            "This session is in single-node mode: there is no Patroni cluster to check, switch over or fail over. " +
            "Switch the session with Switch-PatroniMode -Mode PatroniHa, or connect with -ApiEndpoint.");

    /// <summary>Endpoints to try, best first; <paramref name="preferred"/> (a member's api_url) leads.</summary>
    public IReadOnlyList<Uri> Endpoints(PatroniMember? preferred = null)
    {
        var list = new List<Uri>();
        void Add(Uri? u)
        {
            if (u is not null && !list.Contains(u))
                list.Add(u);
        }
        Add(PatroniEndpoint.FromApiUrl(preferred?.ApiUrl));
        ClusterSnapshot? current = Backend.Monitor.Current;
        if (current is not null)
        {
            Add(PatroniEndpoint.FromApiUrl(current.Leader?.ApiUrl));
            foreach (var m in current.Members)
                Add(PatroniEndpoint.FromApiUrl(m.ApiUrl));
            Add(current.Source);
        }
        foreach (var e in PatroniEndpoint.ParseAll(Backend.Options.Api.Endpoints, Backend.Options.Api.DefaultPort))
            Add(e);
        return list;
    }

    /// <summary>GET /cluster from the first endpoint that answers.</summary>
    public async Task<ClusterSnapshot> GetClusterAsync(CancellationToken ct)
    {
        ClusterSnapshot snapshot = await PatroniRestClient.FirstAnswerAsync(Endpoints(), (e, c) => Client.GetClusterAsync(e, c), CannotReach, ct)
            .ConfigureAwait(false);
        // Patroni 3.0.x leaves the scope out of /cluster; the session's monitor has it (from /patroni).
        return snapshot.Scope is null ? snapshot with { Scope = Backend.Monitor.Current?.Scope } : snapshot;
    }

    /// <summary>GET /config from the first endpoint that answers.</summary>
    public async Task<PatroniDynamicConfig> GetConfigAsync(CancellationToken ct) =>
        await PatroniRestClient.FirstAnswerAsync(Endpoints(), (e, c) => Client.GetConfigAsync(e, c), CannotReach, ct).ConfigureAwait(false);

    private static bool CannotReach(PatroniHaException e) => e.ErrorId == PatroniErrorIds.TopologyUnavailable;

    /// <summary>Makes the session follow a change at once instead of at its next refresh.</summary>
    public async Task<ClusterSnapshot?> RefreshSessionAsync(CancellationToken ct)
    {
        try
        {
            return await Backend.Monitor.RefreshAsync(ct).ConfigureAwait(false);
        }
        catch (PatroniHaException) when (!ct.IsCancellationRequested)
        {
            return Backend.Monitor.Current;
        }
    }

    public void Dispose() => Client.Dispose();
}
