using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Sessions;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

internal static class FailoverAssertions
{
    public const string Detecting = "Handling failover - detecting new primary...";
    public const string CompletePrefix = "Failover complete - new primary: ";

    public static List<SessionEvent> Drain(ClusterSession session)
    {
        var events = new List<SessionEvent>();
        while (session.Events.TryTake(out SessionEvent? e))
            events.Add(e!);
        return events;
    }

    /// <summary>The leader moved once: counted, announced with the seed's two messages, writes went on there.</summary>
    public static void AssertLeaderChangeSeen(ClusterSession session, List<SessionEvent> events, string newLeaderAddress,
        ProbeVerdict verdict, string newLeader, string description)
    {
        string log = string.Join(Environment.NewLine, events.Select(e => $"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Message}"));
        Assert.True(session.Statistics.Failovers >= 1, $"Statistics.Failovers = {session.Statistics.Failovers}\n{log}");
        Assert.Contains(events, e => e.Message == Detecting);
        Assert.Contains(events, e => e.Message == CompletePrefix + newLeaderAddress);
        ProbeWrite last = verdict.Writes.Last(w => w.Outcome == ProbeWriteOutcome.Acknowledged);
        Assert.True(last.Server == newLeader, $"last write went to {last.Server}, not {newLeader}\n{description}");
    }

    /// <summary>Reads never failed and kept being served while writes could not be.</summary>
    public static void AssertReadsKeptGoing(ProbeVerdict verdict, string description)
    {
        Assert.True(verdict.Reads.All(r => r.Succeeded), $"reads failed\n{description}");
        var (wf, wt) = verdict.WriteGap;
        var (rf, rt) = verdict.ReadGap;
        Assert.True(verdict.ReadsOkBetween(wf, wt) > 0, $"no read succeeded during the write outage\n{description}");
        Assert.True(rt - rf < wt - wf, $"reads stopped longer than writes\n{description}");
    }
}
