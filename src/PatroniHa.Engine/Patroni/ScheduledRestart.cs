namespace PatroniHa.Engine.Patroni;

/// <summary>A restart Patroni has queued on a member (GET /cluster "scheduled_restart").</summary>
/// <param name="PostgresVersion">Only restart when the running PostgreSQL is older than this.</param>
public sealed record ScheduledRestart(DateTimeOffset? At, string? PostgresVersion);

/// <summary>One PostgreSQL parameter whose new value waits for a restart (3.3+ "pending_restart_reason").</summary>
public sealed record PendingSettingChange(string Name, string? OldValue, string? NewValue);
