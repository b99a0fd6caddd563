namespace PatroniHa.Engine.Patroni;

/// <summary>A member's role as Patroni reports it, normalised across Patroni 2.x … 4.x.</summary>
public enum MemberRole
{
    Unknown,
    Leader,
    Replica,
    SyncStandby,
    StandbyLeader,
    /// <summary>4.1+ quorum commit mode (synchronous_mode: quorum).</summary>
    QuorumStandby,
}
