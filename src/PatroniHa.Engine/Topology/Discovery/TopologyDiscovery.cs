using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Topology.Discovery;

/// <summary>
/// Asks every Patroni endpoint for GET /cluster at once and takes the first good answer, so one silent
/// or dead host costs nothing while another answers.
/// </summary>
public sealed class TopologyDiscovery(IPatroniClusterSource source)
{
    // Endpoints whose last answer was a failure (not a cancellation): a leader whose own REST API stops
    // answering while the others still do may have lost its Patroni (a zombie primary).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, DateTimeOffset> _down = new();

    /// <summary>True when the last request to <paramref name="endpoint"/> failed (refused, timed out, bad answer).</summary>
    public bool IsDown(Uri endpoint) => _down.ContainsKey(endpoint);

    /// <summary>
    /// The first snapshot that lists members; the other requests are cancelled. When every endpoint fails,
    /// a <see cref="PatroniErrorIds.TopologyUnavailable"/> error lists each endpoint and why.
    /// </summary>
    public async Task<ClusterSnapshot> DiscoverAsync(IReadOnlyList<Uri> endpoints, CancellationToken ct)
    {
        if (endpoints.Count == 0)
            throw new PatroniHaException(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument,
                "No Patroni REST API endpoints are configured. Set PATRONI_HOSTS or pass -ApiEndpoint " +
                "(for example 10.0.0.11:8008,10.0.0.12:8008).");

        using var losers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = endpoints.Select(e => AskAsync(e, losers.Token)).ToList();
        var reasons = new Dictionary<Uri, string>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var (endpoint, snapshot, reason) = await done.ConfigureAwait(false);
            if (snapshot is not null)
            {
                // AskAsync never throws, so the cancelled stragglers need no observing.
                await losers.CancelAsync().ConfigureAwait(false);
                return snapshot;
            }
            reasons[endpoint] = reason!;
        }

        ct.ThrowIfCancellationRequested();
        throw AllFailed(endpoints, reasons);
    }

    private async Task<(Uri Endpoint, ClusterSnapshot? Snapshot, string? Reason)> AskAsync(Uri endpoint,
        CancellationToken ct)
    {
        try
        {
            // Yield first so a source that blocks synchronously cannot hold up the others.
            await Task.Yield();
            var snapshot = await source.GetClusterAsync(endpoint, ct).ConfigureAwait(false);
            // A member cut off from the DCS may answer fast with nothing in it; that must not win the race.
            _down.TryRemove(endpoint, out _);
            return snapshot.Members.Count > 0
                ? (endpoint, snapshot, null)
                : (endpoint, null, "answered with no members (is that Patroni connected to its DCS?)");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (endpoint, null, "cancelled");
        }
        catch (PatroniHaException e)
        {
            _down[endpoint] = DateTimeOffset.UtcNow;
            return (endpoint, null, e.ErrorId == PatroniErrorIds.NotPatroni ? $"[not Patroni] {e.Message}" : e.Message);
        }
        catch (Exception e)
        {
            _down[endpoint] = DateTimeOffset.UtcNow;
            return (endpoint, null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static PatroniHaException AllFailed(IReadOnlyList<Uri> endpoints, Dictionary<Uri, string> reasons)
    {
        var lines = endpoints.Distinct().Select(e => $"  - {e}: {reasons.GetValueOrDefault(e, "no answer")}");
        var first = endpoints[0];
        return new PatroniHaException(PatroniErrorIds.TopologyUnavailable, FailureKind.ConnectionError,
            "Failed to discover topology from all Patroni hosts:" + Environment.NewLine +
            string.Join(Environment.NewLine, lines) + Environment.NewLine +
            $"Check that Patroni is running and answers `curl {new Uri(first, "cluster")}`, that the firewall " +
            $"lets this machine reach the REST API port ({first.Port}), and that PATRONI_HOSTS / -ApiEndpoint " +
            "list the right hosts and port.",
            endpoints);
    }
}
