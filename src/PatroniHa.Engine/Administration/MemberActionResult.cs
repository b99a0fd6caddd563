namespace PatroniHa.Engine.Administration;

public enum MemberActionStatus
{
    /// <summary>Patroni did it (restart finished, reload queued by Patroni itself, reinitialize finished).</summary>
    Done,
    /// <summary>Patroni queued it for a later time.</summary>
    Scheduled,
    /// <summary>Patroni started it and the caller did not wait.</summary>
    Started,
    /// <summary>The member did not meet the request's conditions (no pending restart, newer version …).</summary>
    Skipped,
    /// <summary>A scheduled restart or switchover was removed.</summary>
    Canceled,
}

/// <summary>What one administrative request did on one member; <see cref="Message"/> is Patroni's own text.</summary>
public sealed record MemberActionResult(
    string Member,
    string Action,
    MemberActionStatus Status,
    int HttpStatus,
    string Message,
    DateTimeOffset? ScheduledAt,
    TimeSpan Elapsed);
