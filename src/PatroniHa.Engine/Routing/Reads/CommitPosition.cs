namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// Where a write's commit record is (an LSN at or after it) and on which timeline it was written; text form
/// "X/Y@T" ("X/Y" alone when the timeline is unknown). A read that must see the write waits for a replica
/// that replayed <see cref="Lsn"/>.
/// </summary>
public readonly record struct CommitPosition(Lsn Lsn, long? Timeline)
{
    public static CommitPosition Parse(string text) =>
        TryParse(text, out CommitPosition position)
            ? position
            : throw new FormatException($"'{text}' is not a commit position (expected 'X/Y' or 'X/Y@timeline', e.g. 0/16B3748@2).");

    public static bool TryParse(string? text, out CommitPosition position)
    {
        position = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        int at = text.IndexOf('@');
        long? timeline = null;
        if (at >= 0)
        {
            if (!long.TryParse(text.AsSpan(at + 1), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out long t) || t < 1)
                return false;
            timeline = t;
            text = text[..at];
        }
        if (!Lsn.TryParse(text, out Lsn lsn))
            return false;
        position = new CommitPosition(lsn, timeline);
        return true;
    }

    /// <summary>The later of two positions (a session keeps the newest of its writes).</summary>
    public static CommitPosition Later(CommitPosition a, CommitPosition b) =>
        (a.Timeline ?? 0) != (b.Timeline ?? 0)
            ? ((a.Timeline ?? 0) > (b.Timeline ?? 0) ? a : b)
            : (a.Lsn >= b.Lsn ? a : b);

    public override string ToString() => Timeline is { } t ? $"{Lsn}@{t}" : Lsn.ToString();
}
