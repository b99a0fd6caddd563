using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// Patroni's refusals of a time to act at, one mapping for POST /restart ("schedule") and POST /switchover
/// ("scheduled_at"). Patroni 3.0.2 api.py parse_schedule answers 400 "Timezone information is mandatory …",
/// 422 "Cannot schedule … in the past" and 422 "Unable to parse scheduled timestamp"; a paused cluster refuses
/// any schedule ("Can't schedule … in the paused state": 500 for a restart, 400 for a switchover).
/// </summary>
internal static class ScheduleRefusal
{
    /// <param name="who">Who refused, as the message starts (a member name, or "Patroni at {endpoint}").</param>
    /// <param name="action">"restart" or "switchover", as Patroni names it.</param>
    /// <param name="instead">What to do now instead, e.g. "restart now without -ScheduledAt".</param>
    /// <returns>PatroniScheduleInvalid / PatroniScheduleRejectedWhilePaused, or null when the answer is about something else.</returns>
    public static PatroniHaException? From(int status, string text, string who, string action, DateTimeOffset at,
        object? target, string instead)
    {
        if (status is 400 or 500 && Has(text, "pause"))
            return new PatroniHaException(PatroniErrorIds.SchedulePaused, FailureKind.InvalidOperation,
                $"{who} does not schedule {action}s while the cluster is paused ({text}). Resume the cluster " +
                $"(Resume-PatroniCluster) or {instead}.", target);
        if (status == 422 || (status == 400 && (Has(text, "timezone") || Has(text, "schedule"))))
            return new PatroniHaException(PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument,
                $"{who} refused the schedule {at:yyyy-MM-dd HH:mm:ss zzz} (HTTP {status}: {text}). " +
                "Give a time in the future with a time zone, e.g. -ScheduledAt (Get-Date).AddHours(2).", target);
        return null;
    }

    private static bool Has(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
}
