using System.Diagnostics;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Drills;

/// <summary>What a switchover or failover did.</summary>
/// <param name="Status">Completed (the new leader is in charge), or Scheduled (for <paramref name="ScheduledAt"/>).</param>
/// <param name="Message">Patroni's own answer.</param>
/// <param name="Elapsed">From the request to the new leader showing in /cluster.</param>
/// <param name="SettledByPolling">Patroni said "status unknown" (or did not answer); /cluster settled it.</param>
public sealed record ChangeResult(
    SwitchoverStatus Status,
    int HttpStatus,
    string Message,
    string? OldLeader,
    string? NewLeader,
    ClusterSnapshot After,
    TimeSpan Elapsed,
    DateTimeOffset? ScheduledAt,
    bool SettledByPolling);

/// <summary>
/// Planned switchover (POST /switchover) and manual failover (POST /failover) as patronictl does them, asked
/// only once the members that may take over run on the leader's timeline (<see cref="PromotionSafety"/>), with
/// Patroni's answers turned into results: 200 done, 202 scheduled, 503 "status unknown" settled by polling
/// /cluster until the leader moved (or PatroniSwitchoverOutcomeUnknown), anything else a
/// PatroniSwitchoverFailed error carrying Patroni's reason.
/// </summary>
public static class ClusterChange
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<ChangeResult> SwitchoverAsync(DrillApi api, string? candidate, DateTimeOffset? scheduledAt,
        TimeSpan settleTimeout, Action<string> progress, CancellationToken ct)
    {
        ClusterSnapshot before = await api.GetClusterAsync(ct).ConfigureAwait(false);
        before.RequireLeader(); // no leader: say so at once (Invoke-PatroniFailover is the way), not after a wait
        // A scheduled switchover is Patroni's to carry out later: only one made now can be checked now.
        if (scheduledAt is null)
            before = await PromotionSafety.WaitAsync(api, candidate, settleTimeout, progress, ct).ConfigureAwait(false);
        PatroniMember leader = before.RequireLeader();
        progress(scheduledAt is null
            ? $"Asking Patroni to switch over from {leader.Name} to {candidate ?? "any healthy standby"}"
            : $"Asking Patroni to schedule a switchover from {leader.Name} at {scheduledAt:u}");
        var sw = Stopwatch.StartNew();
        SwitchoverOutcome outcome = await SendAsync(api.Endpoints(leader),
            (e, c) => api.Client.SwitchoverAsync(e, leader.Name, candidate, scheduledAt, c), ct).ConfigureAwait(false);
        return await SettleAsync(api, outcome, leader.Name, candidate, scheduledAt, sw, settleTimeout, progress, ct)
            .ConfigureAwait(false);
    }

    public static async Task<ChangeResult> FailoverAsync(DrillApi api, string candidate, TimeSpan settleTimeout,
        Action<string> progress, CancellationToken ct)
    {
        ClusterSnapshot before = await PromotionSafety.WaitAsync(api, candidate, settleTimeout, progress, ct).ConfigureAwait(false);
        PatroniMember? leader = before.Leader;
        PatroniMember? target = before.Members.FirstOrDefault(m => m.Name == candidate);
        progress($"Asking Patroni to fail over {(leader is null ? "the leaderless cluster" : "from " + leader.Name)} to {candidate}");
        var sw = Stopwatch.StartNew();
        SwitchoverOutcome outcome = await SendAsync(api.Endpoints(leader ?? target),
            (e, c) => api.Client.FailoverAsync(e, candidate, c), ct).ConfigureAwait(false);
        return await SettleAsync(api, outcome, leader?.Name, candidate, null, sw, settleTimeout, progress, ct)
            .ConfigureAwait(false);
    }

    // Only "not sent" (cannot reach that endpoint) moves on: anything Patroni answered is final.
    private static Task<SwitchoverOutcome> SendAsync(IReadOnlyList<Uri> endpoints,
        Func<Uri, CancellationToken, Task<SwitchoverOutcome>> send, CancellationToken ct) =>
        PatroniRestClient.FirstAnswerAsync(endpoints, send,
            e => e.ErrorId == PatroniErrorIds.SwitchoverFailed && e.Kind == FailureKind.ConnectionError, ct);

    private static async Task<ChangeResult> SettleAsync(DrillApi api, SwitchoverOutcome outcome, string? oldLeader,
        string? candidate, DateTimeOffset? scheduledAt, Stopwatch sw, TimeSpan timeout, Action<string> progress,
        CancellationToken ct)
    {
        if (outcome.Status == SwitchoverStatus.Scheduled)
        {
            ClusterSnapshot now = await api.GetClusterAsync(ct).ConfigureAwait(false);
            await api.RefreshSessionAsync(ct).ConfigureAwait(false);
            return new ChangeResult(outcome.Status, outcome.HttpStatus, outcome.Message, oldLeader, oldLeader, now,
                sw.Elapsed, now.ScheduledSwitchover?.At ?? scheduledAt, false);
        }

        bool unknown = outcome.Status == SwitchoverStatus.Unknown;
        progress(unknown
            ? $"Patroni answered '{outcome.Message}'; polling /cluster for the new leader"
            : $"Waiting for {candidate ?? "the new leader"} to show as a running leader in /cluster");
        ClusterSnapshot? last = null;
        while (true)
        {
            try
            {
                last = await api.GetClusterAsync(ct).ConfigureAwait(false);
            }
            catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.TopologyUnavailable && !ct.IsCancellationRequested)
            {
                // Members restart during a switchover; keep polling until the deadline.
            }
            if (last?.Leader is { } l && l.State == "running" && l.Name != oldLeader && (candidate is null || l.Name == candidate))
                break;
            if (sw.Elapsed > timeout)
            {
                if (!unknown && last is not null)
                    break; // Patroni said done; report what /cluster shows.
                string seen = last is null ? "no endpoint answered"
                    : last.Leader is { } ld ? $"the leader is still {ld.Name}" : "there is no leader";
                throw new PatroniHaException(PatroniErrorIds.SwitchoverOutcomeUnknown, FailureKind.OperationTimeout,
                    $"Patroni answered '{outcome.Message}' (HTTP {outcome.HttpStatus} from {outcome.Endpoint}) and after " +
                    $"{timeout.TotalSeconds:0} s of polling /cluster {seen}. The change may still happen: check " +
                    "`patronictl -c /etc/patroni.yml list` (Get-PatroniTopology -Refresh) before trying again.",
                    candidate ?? oldLeader);
            }
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
        TimeSpan elapsed = sw.Elapsed;
        await api.RefreshSessionAsync(ct).ConfigureAwait(false);
        return new ChangeResult(SwitchoverStatus.Completed, outcome.HttpStatus, outcome.Message, oldLeader,
            last!.Leader?.Name, last, elapsed, null, unknown);
    }
}
