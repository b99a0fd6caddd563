using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution;

/// <summary>A failure the resilience pipeline may retry: the statement did not run (or, for an idempotent
/// statement or a read, may safely run again).</summary>
internal sealed class RetryableFailure : Exception
{
    public RetryableFailure(RouteTarget? target, string reason, Exception? cause = null)
        : base(reason, cause)
    {
        Target = target;
    }

    public RouteTarget? Target { get; }

    /// <summary>The attempt already waited for the topology to change: retry at once, no back-off on top.</summary>
    public bool Waited { get; init; }

    /// <summary>A leader is known but the session holds no lease on it (its Patroni did not confirm the lock).</summary>
    public bool Unconfirmed { get; init; }

    /// <summary>No leader was known when the attempt was made.</summary>
    public bool NoLeader => Target is null;
}
