using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Administration;

/// <summary>The errors the administration commands raise, with what to do next.</summary>
internal static class AdminErrors
{
    public static PatroniHaException Error(string id, FailureKind kind, string message, object? target) =>
        new(id, kind, message, target);

    /// <summary>An answer no rule expected: Patroni's status and text, and where to look.</summary>
    public static PatroniHaException Unexpected(AdminAnswer a, string request, object? target) =>
        a.TimedOut
            ? new(PatroniErrorIds.AdminRequestFailed, FailureKind.OperationTimeout,
                $"{a.Endpoint} gave no answer to {request} ({a.Text}); it may still have acted. Check " +
                "Get-PatroniTopology -Extended and the Patroni log before trying again.", target)
            : new(PatroniErrorIds.AdminRequestFailed, a.Status >= 500 ? FailureKind.ResourceUnavailable : FailureKind.InvalidResult,
                $"{a.Endpoint} answered {request} with HTTP {a.Status}: {a.Text}. Check the Patroni log on that member.",
                target);

    public static PatroniHaException MemberNotFound(string name, ClusterSnapshot cluster) =>
        new(PatroniErrorIds.MemberNotFound, FailureKind.ObjectNotFound,
            $"The cluster has no member named '{name}' (members: {string.Join(", ", cluster.Members.Select(m => m.Name))}). " +
            "Use a name from Get-PatroniTopology.", name);

    public static PatroniHaException NoApiUrl(PatroniMember m) =>
        new(PatroniErrorIds.TopologyUnavailable, FailureKind.ResourceUnavailable,
            $"Member {m.Name} lists no api_url in /cluster, so its REST API cannot be asked. Check that its " +
            "Patroni is running (state: " + m.State + ").", m.Name);

    public static PatroniHaException WaitTimeout(string what, TimeSpan timeout, string lastSeen, object? target) =>
        new(PatroniErrorIds.WaitTimeout, FailureKind.OperationTimeout,
            $"Waited {timeout.TotalSeconds:0} s for {what}; last seen: {lastSeen}. Look at Get-PatroniTopology " +
            "-Extended, then wait longer (-TimeoutSec) or fix what holds it up.", target);
}
