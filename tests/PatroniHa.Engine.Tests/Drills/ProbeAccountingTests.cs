using System.Diagnostics;
using PatroniHa.Engine.Drills;
using Xunit;

namespace PatroniHa.Engine.Tests.Drills;

public sealed class ProbeAccountingTests
{
    private static ProbeWrite W(long seq, ProbeWriteOutcome outcome = ProbeWriteOutcome.Acknowledged) =>
        new(seq, outcome, seq, seq + 1, "n1");

    [Fact]
    public void Every_acknowledged_write_once_is_consistent()
    {
        var writes = Enumerable.Range(1, 10).Select(i => W(i)).ToList();
        var rows = Enumerable.Range(1, 10).ToDictionary(i => (long)i, _ => 1L);
        ProbeAccount a = ProbeAccounting.Compute(writes, rows);
        Assert.True(a.Consistent);
        Assert.Equal((10, 10, 0, 0), (a.Attempted, a.Acknowledged, a.Lost, a.Duplicated));
    }

    [Fact]
    public void Missing_rows_are_lost_and_extra_copies_duplicated()
    {
        var writes = Enumerable.Range(1, 10).Select(i => W(i)).ToList();
        var rows = Enumerable.Range(1, 10).Where(i => i is not (3 or 8)).ToDictionary(i => (long)i, _ => 1L);
        rows[5] = 2;
        ProbeAccount a = ProbeAccounting.Compute(writes, rows);
        Assert.False(a.Consistent);
        Assert.Equal(2, a.Lost);
        Assert.Equal([3L, 8L], a.LostSeqs);
        Assert.Equal(1, a.Duplicated);
        Assert.Equal([5L], a.DuplicatedSeqs);
    }

    [Fact]
    public void Unknown_outcomes_may_commit_or_not_but_failures_must_not_commit()
    {
        var writes = new List<ProbeWrite>
        {
            W(1), W(2, ProbeWriteOutcome.OutcomeUnknown), W(3, ProbeWriteOutcome.OutcomeUnknown),
            W(4, ProbeWriteOutcome.Failed), W(5, ProbeWriteOutcome.Failed),
        };
        var rows = new Dictionary<long, long> { [1] = 1, [2] = 1, [5] = 1, [99] = 1 };
        ProbeAccount a = ProbeAccounting.Compute(writes, rows);
        Assert.Equal(0, a.Lost);
        Assert.Equal(2, a.OutcomeUnknown);
        Assert.Equal(1, a.UnknownCommitted);
        Assert.Equal(2, a.Failed);
        Assert.Equal(1, a.FailedButCommitted);
        Assert.Equal(1, a.Unexpected);
        Assert.False(a.Consistent);
        // An unknown outcome alone is no inconsistency: the caller was told.
        Assert.True(ProbeAccounting.Compute(writes.Take(3).ToList(), new Dictionary<long, long> { [1] = 1, [3] = 1 }).Consistent);
    }

    [Fact]
    public void The_longest_gap_counts_the_edges_of_the_window()
    {
        long f = Stopwatch.Frequency;
        Assert.Equal(3.0, ProbeAccounting.LongestGap([1 * f, 2 * f, 5 * f, 6 * f], 0, 7 * f).TotalSeconds, 3);
        Assert.Equal(4.0, ProbeAccounting.LongestGap([1 * f], 0, 5 * f).TotalSeconds, 3);
        Assert.Equal(5.0, ProbeAccounting.LongestGap([], 0, 5 * f).TotalSeconds, 3);
    }

    [Fact]
    public void The_longest_gap_says_where_it_lies()
    {
        long f = Stopwatch.Frequency;
        Assert.Equal((2 * f, 5 * f), ProbeAccounting.LongestGapSpan([1 * f, 2 * f, 5 * f, 6 * f], 0, 7 * f));
        Assert.Equal((1 * f, 5 * f), ProbeAccounting.LongestGapSpan([1 * f], 0, 5 * f));
        Assert.Equal((0L, 5 * f), ProbeAccounting.LongestGapSpan([], 0, 5 * f));
    }
}
