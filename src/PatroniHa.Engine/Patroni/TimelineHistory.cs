namespace PatroniHa.Engine.Patroni;

/// <summary>
/// GET /history as the read router needs it: each timeline the cluster left and the WAL position where it
/// ended (the switch point). Built from the rows <see cref="TimelineSwitch.ParseHistory"/> reads.
/// </summary>
public sealed record TimelineHistory(IReadOnlyDictionary<long, ulong> SwitchPoints)
{
    public static TimelineHistory From(IEnumerable<TimelineSwitch> rows)
    {
        var points = new Dictionary<long, ulong>();
        foreach (TimelineSwitch row in rows)
        {
            if (row.Lsn is { } lsn and >= 0)
                points[row.Timeline] = (ulong)lsn;
        }
        return new TimelineHistory(points);
    }

    public static TimelineHistory Parse(string body, Uri source) => From(TimelineSwitch.ParseHistory(body, source));

    /// <summary>
    /// True when a position written on <paramref name="timeline"/> is on the history of the current timeline:
    /// at or before the point where that timeline ended. Beyond it the WAL may exist on no current member.
    /// </summary>
    public bool Contains(long timeline, ulong lsn) => SwitchPoints.TryGetValue(timeline, out ulong end) && lsn <= end;
}
