namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// What the session last measured on one member: its replay position (a lower bound: replay only moves
/// forward), whether it was in recovery, when, and the round trip of that probe.
/// </summary>
public sealed record MemberReadState(Lsn ReplayLsn, bool InRecovery, long SampledAt, TimeSpan RoundTrip);
