using System.Diagnostics;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Drills;

public enum DrillKind
{
    /// <summary>The drill asks Patroni for a planned switchover.</summary>
    Switchover,

    /// <summary>The drill only watches while something else fails the primary (the seed's "Test 3").</summary>
    Observe,
}

public sealed record DrillOptions
{
    public DrillKind Kind { get; init; } = DrillKind.Switchover;

    /// <summary>Switchover target; null lets Patroni pick a healthy standby.</summary>
    public string? Candidate { get; init; }

    /// <summary>Observe: how long to watch.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause between two probe statements of one loop.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Probe traffic before the change, to have a baseline.</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Probe traffic after writes resumed, to see the cluster settle.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the switchover may take, and writes and reads to come back after it.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Name of the probe table (tests); default: patroniha_probe_&lt;time&gt;_&lt;random&gt;.</summary>
    public string? ProbeTableName { get; init; }
}

/// <summary>What a drill measured.</summary>
public sealed record DrillReport(
    DrillKind Kind,
    string? OldPrimary,
    string? NewPrimary,
    long? TimelineBefore,
    long? TimelineAfter,
    TimeSpan WriteUnavailable,
    TimeSpan ReadUnavailable,
    TimeSpan? SwitchoverTime,
    TimeSpan Duration,
    ProbeAccount Writes,
    int ReadsSucceeded,
    int ReadsFailed,
    bool WritesResumed,
    bool ReadsResumed,
    string ReadBackOn,
    string ProbeTable,
    bool ProbeTableRemoved,
    bool Passed,
    IReadOnlyList<string> Notes);

/// <summary>
/// The failover drill: a probe workload writes numbered rows on the leader and reads them on replicas through the
/// session while the leader changes (a planned switchover the drill asks for, or whatever happens while it
/// observes); then the table is read back on the new leader and every acknowledged write accounted for.
/// The probe table is dropped at the end, also on failure or cancellation.
/// </summary>
public static class FailoverDrill
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    // A member still joining the leader's timeline (seconds after a switchover) is waited for, as the switchover
    // itself would wait (PromotionSafety); any other failed check, or a cluster that does not answer, ends the drill
    // before it starts (not Poll.UntilAsync: it would keep retrying an unreachable cluster until the timeout).
    private static async Task<ReadinessReport> ReadyToSwitchOverAsync(DrillApi api, DrillOptions options,
        Action<string, int> progress, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            ReadinessReport ready = await ReadinessChecker.CheckAsync(api, options.Candidate, ct).ConfigureAwait(false);
            if (ready.Passed)
                return ready;
            bool onlyTimeline = ready.Checks.Where(c => !c.Passed).All(c => c.Check == ReadinessChecker.TimelineCheck);
            if (!onlyTimeline || waited.Elapsed > options.Timeout)
                throw new PatroniHaException(PatroniErrorIds.FailoverNotReady, FailureKind.InvalidOperation,
                    $"The drill did not start: {ready.Verdict} (Test-PatroniFailover lists every check.)", options.Candidate ?? ready.Leader);
            progress("Waiting for every member that may take over to join the leader's timeline", 0);
            await Task.Delay(Administration.Poll.Interval, ct).ConfigureAwait(false);
        }
    }

    /// <param name="progress">(what the drill waits for, percent complete or -1); called from background threads.</param>
    /// <param name="warn">Told when the probe table is left behind after a failed or cancelled drill.</param>
    public static async Task<DrillReport> RunAsync(DrillApi api, DrillOptions options, Action<string, int> progress,
        CancellationToken ct, Action<string>? warn = null)
    {
        var total = Stopwatch.StartNew();
        var notes = new List<string>();

        ClusterSnapshot before;
        if (options.Kind == DrillKind.Switchover)
        {
            progress("Checking that the cluster can switch over", 0);
            before = (await ReadyToSwitchOverAsync(api, options, progress, ct).ConfigureAwait(false)).Snapshot;
        }
        else
        {
            before = await api.GetClusterAsync(ct).ConfigureAwait(false);
        }
        PatroniMember oldLeader = before.RequireLeader();

        progress($"Creating the probe table on {oldLeader.Name}", 2);
        ProbeTable table;
        try
        {
            table = await ProbeTable.CreateAsync(api.Session, ct, options.ProbeTableName).ConfigureAwait(false);
        }
        catch (PatroniHaException e) when (!ct.IsCancellationRequested)
        {
            throw new PatroniHaException(PatroniErrorIds.DrillFailed, e.Kind,
                $"The drill could not create its probe table: {e.Message}", oldLeader.Name, e);
        }

        var workload = new ProbeWorkload(table, options.ProbeInterval);
        bool removed = false;
        try
        {
            progress($"Waiting for the probe table {table.Name} to reach the replicas", 4);
            await WaitReplicatedAsync(table, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);

            workload.Start(ct);
            progress("Probe running: baseline before the change", 5);
            await Task.Delay(options.Baseline, ct).ConfigureAwait(false);

            long changeStarted = Stopwatch.GetTimestamp();
            string? newLeaderName;
            TimeSpan? switchoverTime = null;
            if (options.Kind == DrillKind.Switchover)
            {
                ChangeResult change = await ClusterChange.SwitchoverAsync(api, options.Candidate, null, options.Timeout,
                    s => progress(s, 20), ct).ConfigureAwait(false);
                newLeaderName = change.NewLeader;
                switchoverTime = change.Elapsed;
                if (change.SettledByPolling)
                    notes.Add($"Patroni answered '{change.Message}'; the new leader was confirmed by polling /cluster.");
            }
            else
            {
                newLeaderName = await ObserveAsync(api, oldLeader.Name, options.Duration, progress, ct).ConfigureAwait(false);
            }

            bool writesResumed = false, readsResumed = false;
            if (newLeaderName is not null)
            {
                progress($"Waiting for the session's writes to resume on {newLeaderName}", 60);
                ProbeWrite? first = await workload.WaitForWriteAsync(newLeaderName,
                    options.Kind == DrillKind.Switchover ? changeStarted : workload.StartedAt, options.Timeout, ct).ConfigureAwait(false);
                writesResumed = first is not null;
                if (!writesResumed)
                    notes.Add($"No write was acknowledged by {newLeaderName} within {options.Timeout.TotalSeconds:0} s.");
                progress("Waiting for the session's reads to resume", 70);
                long since = first?.StartedAt ?? changeStarted;
                readsResumed = await workload.WaitForReadAsync(since, options.Timeout, ct).ConfigureAwait(false) is not null;
                if (!readsResumed)
                    notes.Add($"No read succeeded within {options.Timeout.TotalSeconds:0} s after the change.");
                progress("Probe running: settling after the change", 80);
                await Task.Delay(options.Settle, ct).ConfigureAwait(false);
            }
            else
            {
                notes.Add("The cluster had no leader at the end of the drill.");
            }

            progress("Stopping the probe", 85);
            await workload.StopAsync().ConfigureAwait(false);

            progress("Reading the probe table back on the leader", 90);
            var (rows, readBackOn) = await table.ReadBackAsync(ct).ConfigureAwait(false);
            if (newLeaderName is not null && readBackOn != newLeaderName)
                notes.Add($"The probe table was read back on {readBackOn}, not on {newLeaderName}.");

            ClusterSnapshot after = await api.GetClusterAsync(ct).ConfigureAwait(false);
            ProbeAccount account = ProbeAccounting.Compute(workload.Writes, rows);
            IReadOnlyList<ProbeRead> reads = workload.Reads;
            TimeSpan writeGap = ProbeAccounting.LongestGap(
                workload.Writes.Where(w => w.Outcome == ProbeWriteOutcome.Acknowledged).Select(w => w.EndedAt),
                workload.StartedAt, workload.StoppedAt);
            TimeSpan readGap = ProbeAccounting.LongestGap(reads.Where(r => r.Succeeded).Select(r => r.EndedAt),
                workload.StartedAt, workload.StoppedAt);

            Describe(account, reads, notes);
            bool leaderMoved = newLeaderName is not null && newLeaderName != oldLeader.Name;
            if (options.Kind == DrillKind.Observe && !leaderMoved)
                notes.Add($"The leader did not change while the drill observed ({oldLeader.Name} throughout).");
            bool passed = account.Consistent && writesResumed && readsResumed
                && (options.Kind == DrillKind.Observe || leaderMoved);

            progress($"Dropping the probe table {table.Name}", 95);
            removed = await TryDropAsync(table, notes).ConfigureAwait(false);

            PatroniMember? newLeader = after.Members.FirstOrDefault(m => m.Name == newLeaderName);
            return new DrillReport(options.Kind, oldLeader.Name, newLeaderName, oldLeader.Timeline, newLeader?.Timeline,
                writeGap, readGap, switchoverTime, total.Elapsed, account, reads.Count(r => r.Succeeded),
                reads.Count(r => !r.Succeeded), writesResumed, readsResumed, readBackOn, table.Name, removed, passed, notes);
        }
        finally
        {
            await workload.StopAsync().ConfigureAwait(false);
            if (!removed && !await TryDropAsync(table, notes).ConfigureAwait(false))
                warn?.Invoke(notes[^1]);
        }
    }

    private static void Describe(ProbeAccount a, IReadOnlyList<ProbeRead> reads, List<string> notes)
    {
        if (a.Lost > 0)
            notes.Add($"{a.Lost} acknowledged write(s) are missing on the leader (seq {string.Join(", ", a.LostSeqs.Take(10))}).");
        if (a.Duplicated > 0)
            notes.Add($"{a.Duplicated} write(s) committed more than once (seq {string.Join(", ", a.DuplicatedSeqs.Take(10))}).");
        if (a.OutcomeUnknown > 0)
            notes.Add($"{a.OutcomeUnknown} write(s) ended with an unknown outcome (PatroniCommitOutcomeUnknown); {a.UnknownCommitted} of them committed.");
        if (a.Failed > 0)
            notes.Add($"{a.Failed} write(s) failed with an error{(a.FailedButCommitted > 0 ? $", {a.FailedButCommitted} of them committed anyway" : "")}.");
        if (a.Unexpected > 0)
            notes.Add($"{a.Unexpected} row(s) in the probe table were not written by the probe.");
        int failedReads = reads.Count(r => !r.Succeeded);
        if (failedReads > 0)
            notes.Add($"{failedReads} read(s) failed.");
    }

    // CREATE TABLE reached the leader; the reader needs it on the replicas too.
    private static async Task WaitReplicatedAsync(ProbeTable table, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await table.ReadAsync(5, ct).ConfigureAwait(false);
                return;
            }
            catch (PatroniHaException) when (sw.Elapsed < timeout && !ct.IsCancellationRequested)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Watches /cluster for <paramref name="duration"/>; returns the leader at the end (or the last one seen).</summary>
    private static async Task<string?> ObserveAsync(DrillApi api, string oldLeader, TimeSpan duration,
        Action<string, int> progress, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        string? leader = oldLeader;
        while (sw.Elapsed < duration)
        {
            try
            {
                ClusterSnapshot s = await api.GetClusterAsync(ct).ConfigureAwait(false);
                leader = s.Leader?.Name;
            }
            catch (PatroniHaException) when (!ct.IsCancellationRequested)
            {
                // Endpoints go away while the primary is failed; keep watching.
            }
            int left = (int)Math.Ceiling((duration - sw.Elapsed).TotalSeconds);
            string state = leader is null ? "no leader now"
                : leader == oldLeader ? $"leader {leader}" : $"new leader {leader} (was {oldLeader})";
            progress($"Observing for {left} s more - fail the primary {oldLeader} now ({state})",
                5 + (int)(50 * sw.Elapsed.TotalMilliseconds / duration.TotalMilliseconds));
            await Task.Delay(250, ct).ConfigureAwait(false);
        }
        if (leader is null)
        {
            // The failover may be under way: give it the session's failover timeout.
            var wait = Stopwatch.StartNew();
            progress("Waiting for a leader", 55);
            while (leader is null && wait.Elapsed < api.Backend.Options.FailoverTimeout)
            {
                await Task.Delay(250, ct).ConfigureAwait(false);
                try
                {
                    leader = (await api.GetClusterAsync(ct).ConfigureAwait(false)).Leader?.Name;
                }
                catch (PatroniHaException) when (!ct.IsCancellationRequested)
                {
                }
            }
        }
        return leader;
    }

    // Runs also after Ctrl+C, so it has its own deadline instead of the cancelled token.
    private static async Task<bool> TryDropAsync(ProbeTable table, List<string> notes)
    {
        using var cts = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await table.DropAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            notes.Add($"The probe table {table.Name} could not be dropped ({e.Message}); drop it by hand: DROP TABLE {table.Name};");
            return false;
        }
    }
}
