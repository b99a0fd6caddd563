using PatroniHa.Engine.Drills;

namespace PatroniHa.Output;

/// <summary>
/// What a failover drill (Test-PatroniFailover -Switchover / -Observe) measured through the session: how long
/// writes and reads were unavailable, and whether every acknowledged write is on the new leader exactly once.
/// </summary>
public sealed class FailoverDrillResult
{
    internal FailoverDrillResult(DrillReport r, string session)
    {
        Session = session;
        Kind = r.Kind.ToString();
        OldPrimary = r.OldPrimary;
        NewPrimary = r.NewPrimary;
        TimelineBefore = r.TimelineBefore;
        TimelineAfter = r.TimelineAfter;
        WriteUnavailableMs = Ms(r.WriteUnavailable);
        ReadUnavailableMs = Ms(r.ReadUnavailable);
        SwitchoverMs = r.SwitchoverTime is { } t ? Ms(t) : null;
        DurationMs = Ms(r.Duration);
        WritesAttempted = r.Writes.Attempted;
        WritesAcknowledged = r.Writes.Acknowledged;
        WritesLost = r.Writes.Lost;
        WritesDuplicated = r.Writes.Duplicated;
        WritesOutcomeUnknown = r.Writes.OutcomeUnknown;
        WritesFailed = r.Writes.Failed;
        WritesFailedButCommitted = r.Writes.FailedButCommitted;
        ReadsSucceeded = r.ReadsSucceeded;
        ReadsFailed = r.ReadsFailed;
        WritesResumed = r.WritesResumed;
        ReadsResumed = r.ReadsResumed;
        ReadBackOn = r.ReadBackOn;
        ProbeTable = r.ProbeTable;
        ProbeTableRemoved = r.ProbeTableRemoved;
        Passed = r.Passed;
        Notes = r.Notes.ToArray();
    }

    public string Session { get; }

    /// <summary>Switchover (the drill asked Patroni) or Observe (something else failed the primary).</summary>
    public string Kind { get; }

    public string? OldPrimary { get; }
    public string? NewPrimary { get; }
    public long? TimelineBefore { get; }
    public long? TimelineAfter { get; }

    /// <summary>Longest stretch without an acknowledged write, as the session's users saw it.</summary>
    public long WriteUnavailableMs { get; }

    /// <summary>Longest stretch without a successful read.</summary>
    public long ReadUnavailableMs { get; }

    /// <summary>From POST /switchover to the new leader running in /cluster (switchover drills).</summary>
    public long? SwitchoverMs { get; }

    public long DurationMs { get; }

    public int WritesAttempted { get; }

    /// <summary>Writes the session reported as successful.</summary>
    public int WritesAcknowledged { get; }

    /// <summary>Acknowledged writes missing from the probe table on the new leader.</summary>
    public int WritesLost { get; }

    /// <summary>Writes found more than once.</summary>
    public int WritesDuplicated { get; }

    /// <summary>Writes that ended with PatroniCommitOutcomeUnknown (the caller was told; not a loss).</summary>
    public int WritesOutcomeUnknown { get; }

    public int WritesFailed { get; }

    /// <summary>Writes reported as failed that committed anyway (must be 0).</summary>
    public int WritesFailedButCommitted { get; }

    public int ReadsSucceeded { get; }
    public int ReadsFailed { get; }
    public bool WritesResumed { get; }
    public bool ReadsResumed { get; }

    /// <summary>The member the probe table was read back on.</summary>
    public string ReadBackOn { get; }

    public string ProbeTable { get; }
    public bool ProbeTableRemoved { get; }

    /// <summary>No acknowledged write lost or duplicated, writes and reads resumed, and (switchover) a new primary.</summary>
    public bool Passed { get; }

    public string[] Notes { get; }

    public override string ToString() =>
        $"{Kind} {OldPrimary} -> {NewPrimary}: writes unavailable {WriteUnavailableMs} ms, lost {WritesLost}, duplicated {WritesDuplicated}, {(Passed ? "passed" : "FAILED")}";

    private static long Ms(TimeSpan t) => (long)Math.Round(t.TotalMilliseconds);
}
