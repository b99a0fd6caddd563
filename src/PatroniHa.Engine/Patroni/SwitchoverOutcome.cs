namespace PatroniHa.Engine.Patroni;

public enum SwitchoverStatus
{
    /// <summary>HTTP 200: Patroni saw the new leader take over.</summary>
    Completed,
    /// <summary>HTTP 202: queued for scheduled_at.</summary>
    Scheduled,
    /// <summary>HTTP 503 "status unknown" or no answer in time: the caller must poll /cluster.</summary>
    Unknown,
}

/// <summary>What Patroni said about a switchover or failover; <see cref="Message"/> is Patroni's own text.</summary>
public sealed record SwitchoverOutcome(SwitchoverStatus Status, int HttpStatus, string Message, Uri Endpoint);
