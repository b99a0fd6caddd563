namespace PatroniHa.Engine.Patroni;

/// <summary>The cluster as one Patroni endpoint described it at one moment.</summary>
public sealed record ClusterSnapshot(
    string? Scope,
    IReadOnlyList<PatroniMember> Members,
    bool Paused,
    Uri Source,
    DateTimeOffset ReadAt)
{
    public PatroniMember? Leader => Members.FirstOrDefault(m => m.IsLeader);

    public IEnumerable<PatroniMember> Replicas => Members.Where(m => !m.IsLeader);
}
