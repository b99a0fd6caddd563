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

    /// <summary>No leader was known when the attempt was made.</summary>
    public bool NoLeader => Target is null;
}
