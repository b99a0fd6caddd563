using PatroniHa.Engine.Migration;

namespace PatroniHa.Output;

/// <summary>
/// Test-PatroniMigration: the migration guide's prerequisites, member by member. <see cref="Passed"/> is the
/// verdict (warnings do not fail it); <see cref="Checks"/> has one row per check and member.
/// </summary>
public sealed class MigrationReadiness
{
    internal MigrationReadiness(MigrationReport r)
    {
        Cluster = r.Cluster;
        Passed = r.Passed;
        Verdict = r.Verdict;
        Leader = r.Leader;
        Members = r.Members.ToArray();
        Database = r.Database;
        Checks = r.Checks.Select(c => new MigrationReadinessCheck(c.Check, c.Member, (PatroniCheckStatus)(int)c.Status, c.Detail))
            .ToArray();
    }

    public string? Cluster { get; }

    /// <summary>No check failed (warnings allowed).</summary>
    public bool Passed { get; }

    /// <summary>One sentence: ready, or the failed checks and what to do.</summary>
    public string Verdict { get; }

    public string? Leader { get; }

    public string[] Members { get; }

    /// <summary>The database the logins and extension checks used.</summary>
    public string Database { get; }

    /// <summary>Leader, Replicas, NotPaused, then per member RestApi, PatroniVersion, Login, Tls (when TLS settings were
    /// given), PostgresVersion and "Extension name" (per -Extension); Discovery when no endpoint described the cluster.</summary>
    public MigrationReadinessCheck[] Checks { get; }

    public MigrationReadinessCheck[] Failed => Checks.Where(c => c.Status == PatroniCheckStatus.Failed).ToArray();

    public MigrationReadinessCheck[] Warnings => Checks.Where(c => c.Status == PatroniCheckStatus.Warning).ToArray();

    public override string ToString() => Verdict;
}

/// <summary>One check on one member; Member is "(cluster)" for the cluster-wide ones.</summary>
public sealed class MigrationReadinessCheck
{
    internal MigrationReadinessCheck(string check, string member, PatroniCheckStatus status, string detail)
    {
        Check = check;
        Member = member;
        Status = status;
        Detail = detail;
    }

    public string Check { get; }
    public string Member { get; }
    public PatroniCheckStatus Status { get; }

    /// <summary>What was seen, or what to do (the exact CREATE EXTENSION for a missing extension).</summary>
    public string Detail { get; }

    public override string ToString() => $"{Check} {Member}: {Status} - {Detail}";
}

/// <summary>The outcome of one readiness check.</summary>
public enum PatroniCheckStatus
{
    Passed = CheckStatus.Passed,
    Warning = CheckStatus.Warning,
    Failed = CheckStatus.Failed,
}
