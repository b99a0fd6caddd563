using PatroniHa.Engine.Drills;

namespace PatroniHa.Output;

/// <summary>
/// Test-PatroniFailover without a drill: could the cluster fail over right now? <see cref="Passed"/> is the
/// verdict; <see cref="Checks"/> says check by check why.
/// </summary>
public sealed class FailoverReadiness
{
    internal FailoverReadiness(ReadinessReport r)
    {
        Cluster = r.Snapshot.Scope;
        Passed = r.Passed;
        Verdict = r.Verdict;
        Leader = r.Leader;
        Candidates = r.Candidates.ToArray();
        MaximumLagOnFailover = r.MaximumLagOnFailover;
        Paused = r.Snapshot.Paused;
        Checks = r.Checks.Select(c => new FailoverCheck(c.Check, c.Passed, c.Detail)).ToArray();
    }

    public string? Cluster { get; }

    /// <summary>Every check passed.</summary>
    public bool Passed { get; }

    /// <summary>One sentence: ready and who would take over, or what stands in the way.</summary>
    public string Verdict { get; }

    public string? Leader { get; }

    /// <summary>The replicas Patroni could promote now.</summary>
    public string[] Candidates { get; }

    /// <summary>maximum_lag_on_failover from /config (Patroni's default 1 MiB when unset).</summary>
    public long MaximumLagOnFailover { get; }

    public bool Paused { get; }

    /// <summary>Leader, NotPaused, EligibleReplica and, with -Candidate, Candidate.</summary>
    public FailoverCheck[] Checks { get; }

    /// <summary>The checks that failed.</summary>
    public FailoverCheck[] Failed => Checks.Where(c => !c.Passed).ToArray();

    public override string ToString() => Verdict;
}

/// <summary>One readiness check.</summary>
public sealed class FailoverCheck
{
    internal FailoverCheck(string check, bool passed, string detail)
    {
        Check = check;
        Passed = passed;
        Detail = detail;
    }

    public string Check { get; }
    public bool Passed { get; }
    public string Detail { get; }

    public override string ToString() => $"{Check}: {(Passed ? "passed" : "FAILED")} - {Detail}";
}
