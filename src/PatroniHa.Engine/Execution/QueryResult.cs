using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution;

/// <summary>Where a statement ran and what it returned (rows went to the sink).</summary>
public sealed record QueryResult(RouteTarget Server, object? Value, int Attempts);
