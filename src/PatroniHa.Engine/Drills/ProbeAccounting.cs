namespace PatroniHa.Engine.Drills;

public enum ProbeWriteOutcome
{
    /// <summary>The session reported success: the row must be in the table exactly once.</summary>
    Acknowledged,

    /// <summary>PatroniCommitOutcomeUnknown (or cancelled in flight): the row may or may not be there, once.</summary>
    OutcomeUnknown,

    /// <summary>Any other error: the statement did not commit, so the row must not be there.</summary>
    Failed,
}

/// <summary>One probe write: its number, what the session said, when (Stopwatch ticks) and where it ran.</summary>
/// <param name="Error">The failure's message (for test output and diagnostics; never shown with secrets).</param>
public sealed record ProbeWrite(long Seq, ProbeWriteOutcome Outcome, long StartedAt, long EndedAt, string? Server,
    string? ErrorId = null, string? Error = null);

/// <summary>One probe read.</summary>
public sealed record ProbeRead(bool Succeeded, long StartedAt, long EndedAt, string? Server, string? ErrorId = null,
    string? Error = null);

/// <summary>What the probe table says about the writes the session acknowledged.</summary>
/// <param name="Lost">Acknowledged writes whose row is missing.</param>
/// <param name="Duplicated">Writes whose row is there more than once.</param>
/// <param name="FailedButCommitted">Writes the session reported as failed whose row is there anyway.</param>
/// <param name="UnknownCommitted">Writes with an unknown outcome that did commit (allowed: the caller was told).</param>
/// <param name="Unexpected">Rows whose number no probe write used.</param>
public sealed record ProbeAccount(
    int Attempted,
    int Acknowledged,
    int Lost,
    int Duplicated,
    int OutcomeUnknown,
    int UnknownCommitted,
    int Failed,
    int FailedButCommitted,
    int Unexpected,
    IReadOnlyList<long> LostSeqs,
    IReadOnlyList<long> DuplicatedSeqs)
{
    /// <summary>No acknowledged write lost, none committed twice, no failure that committed after all.</summary>
    public bool Consistent => Lost == 0 && Duplicated == 0 && FailedButCommitted == 0 && Unexpected == 0;
}

/// <summary>Compares what the probe was told with what the table holds; pure, so tests can feed it anything.</summary>
public static class ProbeAccounting
{
    public static ProbeAccount Compute(IReadOnlyCollection<ProbeWrite> writes, IReadOnlyDictionary<long, long> rowsBySeq)
    {
        int ack = 0, lost = 0, unknown = 0, unknownCommitted = 0, failed = 0, failedCommitted = 0;
        var lostSeqs = new List<long>();
        var attempted = new HashSet<long>();
        foreach (ProbeWrite w in writes)
        {
            attempted.Add(w.Seq);
            long copies = rowsBySeq.TryGetValue(w.Seq, out long c) ? c : 0;
            switch (w.Outcome)
            {
                case ProbeWriteOutcome.Acknowledged:
                    ack++;
                    if (copies == 0)
                    {
                        lost++;
                        lostSeqs.Add(w.Seq);
                    }
                    break;
                case ProbeWriteOutcome.OutcomeUnknown:
                    unknown++;
                    if (copies > 0)
                        unknownCommitted++;
                    break;
                default:
                    failed++;
                    if (copies > 0)
                        failedCommitted++;
                    break;
            }
        }
        var duplicated = rowsBySeq.Where(r => r.Value > 1).Select(r => r.Key).Order().ToList();
        int unexpected = rowsBySeq.Keys.Count(k => !attempted.Contains(k));
        return new ProbeAccount(writes.Count, ack, lost, duplicated.Count, unknown, unknownCommitted, failed,
            failedCommitted, unexpected, lostSeqs, duplicated);
    }

    /// <summary>
    /// The longest stretch without a successful operation between <paramref name="from"/> and
    /// <paramref name="to"/> (Stopwatch ticks): the time a user of the session could not write (or read).
    /// </summary>
    public static TimeSpan LongestGap(IEnumerable<long> successEnds, long from, long to)
    {
        var (start, end) = LongestGapSpan(successEnds, from, to);
        return TimeSpan.FromSeconds((double)(end - start) / System.Diagnostics.Stopwatch.Frequency);
    }

    /// <summary>Where <see cref="LongestGap"/> lies: its start and end (Stopwatch ticks).</summary>
    public static (long From, long To) LongestGapSpan(IEnumerable<long> successEnds, long from, long to)
    {
        long previous = from;
        (long, long) longest = (from, from);
        foreach (long end in successEnds.Where(e => e >= from && e <= to).Order())
        {
            if (end - previous > longest.Item2 - longest.Item1)
                longest = (previous, end);
            previous = end;
        }
        if (to - previous > longest.Item2 - longest.Item1)
            longest = (previous, to);
        return longest;
    }
}
