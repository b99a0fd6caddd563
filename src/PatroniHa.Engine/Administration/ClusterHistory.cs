using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

/// <summary>patronictl history: GET /history from the first endpoint that answers (the leader's first).</summary>
public static class ClusterHistory
{
    public static Task<IReadOnlyList<TimelineSwitch>> GetAsync(DrillApi api, CancellationToken ct) =>
        PatroniRestClient.FirstAnswerAsync(api.Endpoints(api.Backend.Monitor.Current?.Leader),
            (e, c) => api.Client.GetHistoryAsync(e, c), e => e.ErrorId == PatroniErrorIds.TopologyUnavailable, ct);
}
