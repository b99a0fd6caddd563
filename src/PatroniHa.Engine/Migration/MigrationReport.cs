namespace PatroniHa.Engine.Migration;

public enum CheckStatus
{
    Passed,
    Warning,
    Failed,
}

/// <summary>One check on one member (or on the cluster as a whole): what was seen, or what to do.</summary>
public sealed record MigrationCheck(string Check, string Member, CheckStatus Status, string Detail);

/// <summary>The migration guide's prerequisites, member by member. Warnings do not fail it.</summary>
public sealed record MigrationReport(
    bool Passed,
    string Verdict,
    string? Cluster,
    string? Leader,
    IReadOnlyList<string> Members,
    string Database,
    IReadOnlyList<MigrationCheck> Checks);

/// <summary>The names in <see cref="MigrationCheck.Check"/>; scripts filter on them, so never rename one.</summary>
public static class MigrationCheckNames
{
    /// <summary>Rows about the whole cluster carry this as their member.</summary>
    public const string ClusterMember = "(cluster)";

    public const string Discovery = "Discovery";
    public const string Leader = "Leader";
    public const string Replicas = "Replicas";
    public const string NotPaused = "NotPaused";
    public const string CheckTimeline = "CheckTimeline";
    public const string RestApi = "RestApi";
    public const string PatroniVersion = "PatroniVersion";
    public const string Login = "Login";
    public const string PostgresVersion = "PostgresVersion";
    public const string Tls = "Tls";

    /// <summary>"Extension &lt;name&gt;".</summary>
    public static string Extension(string name) => $"Extension {name}";
}
