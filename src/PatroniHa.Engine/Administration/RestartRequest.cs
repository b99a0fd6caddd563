namespace PatroniHa.Engine.Administration;

/// <summary>
/// POST /restart's conditions. <see cref="StartTimeout"/> is Patroni's own "timeout" (how long PostgreSQL may
/// take to start before Patroni may fail over), not how long the caller waits.
/// </summary>
public sealed record RestartRequest
{
    /// <summary>Only when PostgreSQL reports a pending restart (restart_pending).</summary>
    public bool PendingOnly { get; init; }

    /// <summary>Only when the running PostgreSQL is older than this ("15.4").</summary>
    public string? PostgresVersion { get; init; }

    /// <summary>Queue the restart for this time instead of now.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    public TimeSpan? StartTimeout { get; init; }
}
