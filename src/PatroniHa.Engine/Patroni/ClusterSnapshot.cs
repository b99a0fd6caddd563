using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>The cluster as one Patroni endpoint described it at one moment.</summary>
/// <param name="Scope">Cluster name; Patroni 3.0.2 leaves it out of /cluster, so it may be null.</param>
public sealed record ClusterSnapshot(
    string? Scope,
    IReadOnlyList<PatroniMember> Members,
    bool Paused,
    Uri Source,
    DateTimeOffset ReadAt)
{
    public PatroniMember? Leader => Members.FirstOrDefault(m => m.IsLeader);

    public IEnumerable<PatroniMember> Replicas => Members.Where(m => !m.IsLeader);

    public ScheduledSwitchover? ScheduledSwitchover { get; init; }

    /// <summary>The leader, or a <see cref="PatroniErrorIds.NoPrimary"/> error that says what to do.</summary>
    public PatroniMember RequireLeader() => Leader ?? throw NoPrimaryError();

    internal PatroniHaException NoPrimaryError()
    {
        var name = Scope is null ? "" : $" '{Scope}'";
        var members = Members.Count == 0
            ? "no members listed"
            : string.Join(", ", Members.Select(m => $"{m.Name} {m.Role} {m.State}"));
        var paused = Paused
            ? " The cluster is paused (maintenance mode), so Patroni will not elect a leader by itself."
            : "";
        return new PatroniHaException(PatroniErrorIds.NoPrimary, FailureKind.ResourceUnavailable,
            $"No primary node found in cluster{name} (asked {Source}; {members}).{paused} " +
            "Check `patronictl -c /etc/patroni.yml list`; if there is no leader, trigger a manual failover " +
            "(Invoke-PatroniFailover -Candidate <member>).",
            this);
    }
}
