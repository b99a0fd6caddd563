using System.Diagnostics;
using System.Text;
using PatroniHa.Engine.Drills;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>
/// What the failover tests conclude from the shipped probe (Drills/ProbeWorkload + ProbeAccounting, the drill's
/// and the fault matrix's own): the table read back on the final leader through the session, the accounting,
/// and the write and read gaps (from the workload's start to its stop), printable.
/// </summary>
internal sealed class ProbeVerdict
{
    private ProbeVerdict(ProbeWorkload workload, ProbeAccount account, string readBackOn, string finalLeader)
    {
        Workload = workload;
        Account = account;
        ReadBackOn = readBackOn;
        FinalLeader = finalLeader;
        Writes = workload.Writes;
        Reads = workload.Reads;
        WriteGap = ProbeAccounting.LongestGapSpan(
            Writes.Where(w => w.Outcome == ProbeWriteOutcome.Acknowledged).Select(w => w.EndedAt), workload.StartedAt, workload.StoppedAt);
        ReadGap = ProbeAccounting.LongestGapSpan(
            Reads.Where(r => r.Succeeded).Select(r => r.EndedAt), workload.StartedAt, workload.StoppedAt);
    }

    public ProbeWorkload Workload { get; }
    public ProbeAccount Account { get; }
    public string ReadBackOn { get; }
    public string FinalLeader { get; }
    public IReadOnlyList<ProbeWrite> Writes { get; }
    public IReadOnlyList<ProbeRead> Reads { get; }
    public (long From, long To) WriteGap { get; }
    public (long From, long To) ReadGap { get; }

    public IEnumerable<ProbeWrite> Unknown => Writes.Where(w => w.Outcome == ProbeWriteOutcome.OutcomeUnknown);
    public IEnumerable<ProbeWrite> Failed => Writes.Where(w => w.Outcome == ProbeWriteOutcome.Failed);

    /// <summary>Stops the workload, reads its table back on the leader through the session and accounts for every write.</summary>
    public static async Task<ProbeVerdict> StopAndVerifyAsync(ProbeWorkload workload, ProbeTable table, string finalLeader)
    {
        await workload.StopAsync();
        var (rows, on) = await table.ReadBackAsync(CancellationToken.None);
        return new ProbeVerdict(workload, ProbeAccounting.Compute(workload.Writes, rows), on, finalLeader);
    }

    /// <summary>Milliseconds from the workload's start to <paramref name="ticks"/> (Stopwatch ticks).</summary>
    public static double Ms(ProbeWorkload workload, long ticks) => (ticks - workload.StartedAt) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Waits until <paramref name="count"/> writes started from now on were acknowledged by a matching member.</summary>
    public static async Task WaitForAcknowledgedAsync(ProbeWorkload workload, Func<string, bool> server, int count, TimeSpan timeout)
    {
        long from = Stopwatch.GetTimestamp();
        var sw = Stopwatch.StartNew();
        while (workload.Writes.Count(w => w.Outcome == ProbeWriteOutcome.Acknowledged && w.StartedAt >= from && server(w.Server!)) < count)
        {
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"Fewer than {count} writes acknowledged within {timeout.TotalSeconds:0} s; last: " +
                                           string.Join(" | ", workload.Writes.TakeLast(3)));
            await Task.Delay(50);
        }
    }

    public int ReadsOkBetween(long from, long to) => Reads.Count(r => r.Succeeded && r.EndedAt > from && r.EndedAt < to);

    public string Describe()
    {
        var sb = new StringBuilder();
        ProbeAccount a = Account;
        sb.AppendLine($"writes: {a.Attempted} attempted, {a.Acknowledged} acknowledged, {a.OutcomeUnknown} outcome unknown " +
                      $"({a.UnknownCommitted} of them committed), {a.Failed} failed ({a.FailedButCommitted} committed), " +
                      $"{a.Duplicated} duplicated, {a.Lost} lost, {a.Unexpected} unexpected rows; read back on {ReadBackOn}");
        sb.AppendLine($"longest write gap: {Ms(WriteGap.To) - Ms(WriteGap.From):0} ms ({Ms(WriteGap.From):0} → {Ms(WriteGap.To):0}); " +
                      $"longest read gap: {Ms(ReadGap.To) - Ms(ReadGap.From):0} ms ({Ms(ReadGap.From):0} → {Ms(ReadGap.To):0}); " +
                      $"reads: {Reads.Count(r => r.Succeeded)} ok, {Reads.Count(r => !r.Succeeded)} failed; " +
                      $"reads ok during the write gap: {ReadsOkBetween(WriteGap.From, WriteGap.To)}");
        foreach (var w in Unknown.Take(5)) sb.AppendLine($"  unknown #{w.Seq} at {Ms(w.StartedAt):0} ms: {w.ErrorId} {w.Error}");
        foreach (var w in Failed.Take(5)) sb.AppendLine($"  failed #{w.Seq} at {Ms(w.StartedAt):0} ms: {w.ErrorId} {w.Error}");
        foreach (var r in Reads.Where(r => !r.Succeeded).Take(5)) sb.AppendLine($"  read failed at {Ms(r.StartedAt):0} ms: {r.ErrorId} {r.Error}");
        return sb.ToString();
    }

    private double Ms(long ticks) => Ms(Workload, ticks);

    /// <summary>
    /// Every acknowledged write is on the final leader exactly once (read back there), no failed write committed,
    /// no stray row, and every answer that was not a success is one of the module's error ids (never a raw exception).
    /// </summary>
    public void AssertSafe(string description)
    {
        ProbeAccount a = Account;
        Assert.True(a.Acknowledged > 0, description);
        Assert.True(a.Lost == 0, $"acknowledged writes lost: {string.Join(",", a.LostSeqs.Take(20))}\n{description}");
        Assert.True(a.Duplicated == 0, $"writes committed twice: {string.Join(",", a.DuplicatedSeqs.Take(20))}\n{description}");
        Assert.True(a.FailedButCommitted == 0, $"writes reported failed but committed\n{description}");
        Assert.True(a.Unexpected == 0, $"rows no probe write made\n{description}");
        Assert.True(ReadBackOn == FinalLeader, $"read back on {ReadBackOn}, not on the final leader {FinalLeader}\n{description}");
        var raw = Writes.Where(w => w.Outcome != ProbeWriteOutcome.Acknowledged && w.ErrorId?.StartsWith("Patroni", StringComparison.Ordinal) != true).ToList();
        Assert.True(raw.Count == 0, $"writes ended in something other than a module error: {string.Join(" | ", raw.Take(3))}\n{description}");
    }
}
