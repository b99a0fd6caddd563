using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Administration;

/// <summary>
/// Refuses, before anything is sent, a value Patroni would take but cannot use: its whole-number settings go
/// through Python's int(), so 'abc' breaks every member's configuration reload, and the session could no longer
/// read ttl/loop_wait/retry_timeout, which the write fence's lease is computed from.
/// </summary>
public static class ConfigValueCheck
{
    private static readonly string[] WholeNumbers =
    [
        "ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "maximum_lag_on_syncnode",
        "primary_start_timeout", "primary_stop_timeout", "master_start_timeout", "master_stop_timeout",
        "synchronous_node_count", "max_timelines_history",
    ];

    public static void Validate(JsonObject document, string request)
    {
        foreach (string key in WholeNumbers)
        {
            if (!document.TryGetPropertyValue(key, out JsonNode? value) || value is null || IsWholeNumber(value))
                continue;
            throw AdminErrors.Error(PatroniErrorIds.ConfigRejected, FailureKind.InvalidArgument,
                $"'{key}' must be a whole number ≥ 0, not {value.ToJsonString()}; nothing was sent. Patroni reads it " +
                "with int(), so such a value would break every member's configuration reload (and the session's " +
                "leader lease, which is computed from ttl, loop_wait and retry_timeout).", request);
        }
    }

    private static bool IsWholeNumber(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Number => double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) &&
                                 d >= 0 && d == Math.Floor(d),
        JsonValueKind.String => long.TryParse(value.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out _),
        _ => false,
    };
}
