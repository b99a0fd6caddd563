namespace PatroniHa.Engine.Patroni;

/// <summary>A switchover Patroni has queued for later (GET /cluster "scheduled_switchover").</summary>
public sealed record ScheduledSwitchover(DateTimeOffset? At, string? From, string? To);
