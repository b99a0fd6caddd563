namespace PatroniHa.Engine.Patroni;

/// <summary>What a member's own Patroni said about holding the leader lock (GET /primary).</summary>
/// <param name="HoldsLock">True only for 200 with role master/primary and state running.</param>
/// <param name="Why">Why it is not confirmed; null when it is.</param>
public sealed record LeaderConfirmation(bool HoldsLock, string? Why, PatroniNodeStatus Status);
