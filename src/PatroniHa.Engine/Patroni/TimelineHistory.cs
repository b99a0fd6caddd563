using System.Text.Json;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// GET /history: each timeline the cluster left and the WAL position where it ended (the switch point).
/// Patroni sends <c>[[timeline, switch_lsn, reason, timestamp?, new_leader?], …]</c> with the LSN as a number.
/// </summary>
public sealed record TimelineHistory(IReadOnlyDictionary<long, ulong> SwitchPoints)
{
    public static TimelineHistory Parse(string body, Uri source)
    {
        var points = new Dictionary<long, ulong>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            foreach (JsonElement entry in doc.RootElement.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() >= 2 &&
                    entry[0].TryGetInt64(out long timeline) && entry[1].TryGetUInt64(out ulong lsn))
                    points[timeline] = lsn;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new PatroniHaException(PatroniErrorIds.NotPatroni, FailureKind.InvalidData,
                $"{source} answered GET /history with something that is not Patroni's timeline history.", source.ToString(), ex);
        }
        return new TimelineHistory(points);
    }

    /// <summary>
    /// True when a position written on <paramref name="timeline"/> is on the history of the current timeline:
    /// at or before the point where that timeline ended. Beyond it the WAL may exist on no current member.
    /// </summary>
    public bool Contains(long timeline, ulong lsn) => SwitchPoints.TryGetValue(timeline, out ulong end) && lsn <= end;
}
