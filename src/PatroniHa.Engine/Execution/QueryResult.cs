using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Routing.Reads;

namespace PatroniHa.Engine.Execution;

/// <summary>Where a statement ran and what it returned (rows went to the sink).</summary>
public sealed record QueryResult(RouteTarget Server, object? Value, int Attempts)
{
    /// <summary>A write's commit position (an LSN at or after its commit record), when the session learned it.</summary>
    public CommitPosition? CommitPosition { get; init; }
}
