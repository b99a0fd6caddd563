using System.Text.Json;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// One row of GET /history: the timeline that ended, the WAL position it ended at, why, and (when Patroni
/// recorded them) when and which member took over. Rows have 3 to 5 items depending on the version.
/// </summary>
public sealed record TimelineSwitch(long Timeline, long? Lsn, string? Reason, DateTimeOffset? At, string? NewLeader)
{
    public static IReadOnlyList<TimelineSwitch> ParseHistory(string body, Uri source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw PatroniJson.NotPatroni(source, "/history", $"the body is not JSON ({PatroniJson.Excerpt(body)})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw PatroniJson.NotPatroni(source, "/history", "the JSON is not a list");
            var rows = new List<TimelineSwitch>();
            foreach (JsonElement row in doc.RootElement.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array)
                    continue;
                JsonElement[] items = row.EnumerateArray().ToArray();
                if (items.Length == 0 || Number(items[0]) is not { } tl)
                    continue;
                rows.Add(new TimelineSwitch(tl,
                    items.Length > 1 ? Number(items[1]) : null,
                    items.Length > 2 ? Text(items[2]) : null,
                    items.Length > 3 && Text(items[3]) is { } t && DateTimeOffset.TryParse(t,
                        System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null,
                    items.Length > 4 ? Text(items[4]) : null));
            }
            return rows;
        }
    }

    private static long? Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetInt64(out long l) => l,
        JsonValueKind.Number when e.TryGetDouble(out double d) => (long)d,
        JsonValueKind.String when long.TryParse(e.GetString(), out long l) => l,
        _ => null,
    };

    private static string? Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => e.GetRawText(),
    };
}
