using PatroniHa.Engine.Drills;

namespace PatroniHa.Engine.Sandbox.Faults;

/// <summary>One scenario's outcome: the probe's accounting (read back on the final leader) and the gaps.</summary>
/// <param name="ReadBackOn">The member the rows were read back on (through the session's write fence).</param>
/// <param name="WriteGap">Longest stretch without an acknowledged write, from the fault to the end.</param>
/// <param name="ReadGap">Longest stretch without a successful read, from the fault to the end.</param>
/// <param name="Note">What did not go to plan (the cluster did not heal, …); null when everything did.</param>
public sealed record FaultResult(string Scenario, bool Synchronous, string OldLeader, string? FinalLeader,
    string ReadBackOn, ProbeAccount Account, TimeSpan WriteGap, TimeSpan ReadGap, IReadOnlyList<ProbeWrite> Writes,
    string? Note, long FaultAt = 0)
{
    /// <summary>Where and when (seconds after the fault) the lost writes had been acknowledged.</summary>
    public string LostDetail
    {
        get
        {
            var lost = Account.LostSeqs.ToHashSet();
            return string.Join(", ", Writes.Where(w => lost.Contains(w.Seq)).GroupBy(w => w.Server).Select(g =>
                $"{g.Count()} on {g.Key} between {Seconds(g.Min(w => w.EndedAt)):0.00} s and {Seconds(g.Max(w => w.EndedAt)):0.00} s after the fault"));
        }
    }

    private double Seconds(long at) => (at - FaultAt) / (double)System.Diagnostics.Stopwatch.Frequency;

    public string Summary =>
        $"{Scenario}{(Synchronous ? " (sync)" : "")}: acknowledged {Account.Acknowledged}, lost {Account.Lost}, " +
        $"duplicated {Account.Duplicated}, outcome-unknown {Account.OutcomeUnknown} ({Account.UnknownCommitted} committed), " +
        $"failed {Account.Failed} ({Account.FailedButCommitted} committed), unexpected rows {Account.Unexpected}; " +
        $"write gap {WriteGap.TotalSeconds:0.00} s, read gap {ReadGap.TotalSeconds:0.00} s; leader {OldLeader} -> " +
        $"{FinalLeader ?? "?"}, read back on {ReadBackOn}" +
        (Account.LostSeqs.Count > 0 ? $"; lost: {LostDetail}" : "") +
        (Note is null ? "" : $"; {Note}");
}
