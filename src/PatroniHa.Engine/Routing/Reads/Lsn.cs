using System.Globalization;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// A PostgreSQL WAL position (pg_lsn): 64 bits written as two hex halves, "16/B374D848".
/// </summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    /// <summary>PostgreSQL's default WAL page (wal_block_size) and segment (wal_segment_size).</summary>
    public const int DefaultPageSize = 8192;
    public const int DefaultSegmentSize = 16 * 1024 * 1024;

    /// <summary>Size of the header at the start of every WAL page; a segment's first page has a long one.</summary>
    private const int ShortPageHeader = 24;
    private const int LongPageHeader = 40;

    public static readonly Lsn Zero = new(0);

    public static Lsn Parse(string text) =>
        TryParse(text, out Lsn lsn) ? lsn : throw new FormatException($"'{text}' is not a WAL position (expected hex 'X/Y', e.g. 0/16B3748).");

    public static bool TryParse(string? text, out Lsn lsn)
    {
        lsn = Zero;
        if (text is null)
            return false;
        int slash = text.IndexOf('/');
        if (slash <= 0 || slash > 8 || text.Length - slash - 1 is < 1 or > 8)
            return false;
        if (!uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint high) ||
            !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint low))
            return false;
        lsn = new Lsn(((ulong)high << 32) | low);
        return true;
    }

    /// <summary>
    /// The position replay reaches for a record that ends here. pg_current_wal_insert_lsn() points past the
    /// next page's header when the last record ended exactly on a page boundary, while replay stops at the
    /// boundary: without this a read-your-writes wait could hang until unrelated WAL arrives.
    /// </summary>
    public Lsn NormalizeForReplay(int pageSize = DefaultPageSize, int segmentSize = DefaultSegmentSize)
    {
        ulong inSegment = Value % (ulong)segmentSize;
        if (inSegment == LongPageHeader)
            return new Lsn(Value - LongPageHeader);
        // A segment's first page has the long header: 24 bytes into it is not a page's start.
        if (inSegment != ShortPageHeader && Value % (ulong)pageSize == ShortPageHeader)
            return new Lsn(Value - ShortPageHeader);
        return this;
    }

    /// <summary>Bytes from <paramref name="earlier"/> to this position; 0 when it is not earlier.</summary>
    public long BytesAfter(Lsn earlier) => Value > earlier.Value ? (long)Math.Min(Value - earlier.Value, long.MaxValue) : 0;

    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    public static bool operator <(Lsn a, Lsn b) => a.Value < b.Value;
    public static bool operator >(Lsn a, Lsn b) => a.Value > b.Value;
    public static bool operator <=(Lsn a, Lsn b) => a.Value <= b.Value;
    public static bool operator >=(Lsn a, Lsn b) => a.Value >= b.Value;

    public static Lsn Max(Lsn a, Lsn b) => a >= b ? a : b;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(uint)(Value >> 32):X}/{(uint)Value:X}");
}
