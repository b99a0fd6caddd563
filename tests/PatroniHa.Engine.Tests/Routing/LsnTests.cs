using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing.Reads;
using Xunit;

namespace PatroniHa.Engine.Tests.Routing;

public sealed class LsnTests
{
    [Theory]
    [InlineData("0/0", 0UL)]
    [InlineData("0/16B3748", 0x16B3748UL)]
    [InlineData("16/B374D848", 0x16_B374D848UL)]
    [InlineData("FFFFFFFF/FFFFFFFF", ulong.MaxValue)]
    [InlineData("a/b", 0xA_0000000BUL)]
    public void ParsesAndFormatsLikePostgres(string text, ulong value)
    {
        Lsn lsn = Lsn.Parse(text);
        Assert.Equal(value, lsn.Value);
        Assert.Equal(text.ToUpperInvariant(), lsn.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("16B3748")]
    [InlineData("/1")]
    [InlineData("1/")]
    [InlineData("1/2/3")]
    [InlineData("G/1")]
    [InlineData("100000000/0")]
    [InlineData("0/100000000")]
    [InlineData("-1/0")]
    public void RejectsWhatIsNotAnLsn(string text)
    {
        Assert.False(Lsn.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Lsn.Parse(text));
    }

    [Fact]
    public void ComparesAsSixtyFourBitPositions()
    {
        Assert.True(Lsn.Parse("1/0") > Lsn.Parse("0/FFFFFFFF"));
        Assert.Equal(1, Lsn.Parse("1/0").BytesAfter(Lsn.Parse("0/FFFFFFFF")));
        Assert.Equal(0, Lsn.Parse("0/10").BytesAfter(Lsn.Parse("0/20")));
    }

    [Theory]
    // A record ending exactly on a page boundary: insert_lsn is 24 bytes past it (the next page's header).
    [InlineData(8192UL * 7 + 24, 8192UL * 7)]
    // At a segment start the long header is 40 bytes.
    [InlineData(16UL * 1024 * 1024 * 3 + 40, 16UL * 1024 * 1024 * 3)]
    // 40 bytes into an ordinary page, 24 bytes into a segment's first page: ordinary positions.
    [InlineData(8192UL * 7 + 40, 8192UL * 7 + 40)]
    [InlineData(16UL * 1024 * 1024 * 3 + 24, 16UL * 1024 * 1024 * 3 + 24)]
    [InlineData(8192UL * 7 + 25, 8192UL * 7 + 25)]
    [InlineData(8192UL * 7, 8192UL * 7)]
    public void NormalisesPageAndSegmentBoundaries(ulong insert, ulong replay) =>
        Assert.Equal(replay, new Lsn(insert).NormalizeForReplay().Value);

    [Fact]
    public void NormalisesWithOtherPageAndSegmentSizes() =>
        Assert.Equal(32768UL * 2, new Lsn(32768UL * 2 + 24).NormalizeForReplay(32768, 64 * 1024 * 1024).Value);

    [Theory]
    [InlineData("0/16B3748", 0x16B3748UL, null)]
    [InlineData("0/16B3748@3", 0x16B3748UL, 3L)]
    [InlineData(" 1/0@12 ", 0x1_00000000UL, 12L)]
    public void CommitPositionsRoundTripAsText(string text, ulong lsn, long? timeline)
    {
        CommitPosition position = CommitPosition.Parse(text);
        Assert.Equal(lsn, position.Lsn.Value);
        Assert.Equal(timeline, position.Timeline);
        Assert.Equal(position, CommitPosition.Parse(position.ToString()));
    }

    [Theory]
    [InlineData("0/1@")]
    [InlineData("0/1@0")]
    [InlineData("0/1@x")]
    [InlineData("@3")]
    public void RejectsBadCommitPositions(string text) => Assert.False(CommitPosition.TryParse(text, out _));

    [Fact]
    public void TheLaterPositionIsOnTheNewerTimeline()
    {
        var oldTimeline = new CommitPosition(Lsn.Parse("5/0"), 1);
        var newTimeline = new CommitPosition(Lsn.Parse("4/0"), 2);
        Assert.Equal(newTimeline, CommitPosition.Later(oldTimeline, newTimeline));
        Assert.Equal(oldTimeline, CommitPosition.Later(oldTimeline, oldTimeline with { Lsn = Lsn.Parse("1/0") }));
    }

    [Theory]
    [InlineData("INSERT INTO t VALUES (1)", false)]
    [InlineData("INSERT INTO t VALUES (1);", false)]
    [InlineData("INSERT INTO t VALUES (1) ;  \n", false)]
    [InlineData("INSERT INTO t VALUES ('a;b')", false)]
    [InlineData("INSERT INTO t VALUES ('it''s; fine')", false)]
    [InlineData("INSERT INTO t VALUES (E'\\'; x')", false)]
    [InlineData("INSERT INTO \"we;ird\" VALUES (1)", false)]
    [InlineData("INSERT INTO t VALUES ($$a;b$$)", false)]
    [InlineData("INSERT INTO t VALUES ($x$a;b$x$)", false)]
    [InlineData("INSERT INTO t VALUES ($1)", false)]
    [InlineData("INSERT INTO t VALUES (1) -- ; comment", false)]
    [InlineData("INSERT INTO t /* ; */ VALUES (1)", false)]
    [InlineData("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)", true)]
    [InlineData("BEGIN; INSERT INTO t VALUES (1); COMMIT", true)]
    [InlineData("INSERT INTO t VALUES ('unclosed", true)]
    [InlineData("INSERT INTO t /* /* nested */ */ VALUES (1)", true)]
    public void FindsTextsThatHoldSeveralStatements(string sql, bool several) =>
        Assert.Equal(several, CommitLsnStatement.LooksLikeSeveralStatements(sql));
}

public sealed class TimelineHistoryTests
{
    private static readonly Uri Source = new("http://127.0.0.1:8008/");

    [Fact]
    public void ParsesPatroniHistoryAndTrustsPositionsUpToTheSwitchPoint()
    {
        // Patroni 3.0.2 after two failovers (the LSN is a number; later versions add the new leader's name).
        TimelineHistory history = TimelineHistory.Parse(
            """[[1, 83886240, "no recovery target specified", "2026-12-02T10:00:00+00:00"], [2, 100663456, "no recovery target specified", "2026-12-02T10:05:00+00:00", "n2"]]""",
            Source);
        Assert.Equal(83886240UL, history.SwitchPoints[1]);
        Assert.True(history.Contains(1, 83886240));
        Assert.False(history.Contains(1, 83886241));
        Assert.True(history.Contains(2, 100663456));
        Assert.False(history.Contains(3, 1));
    }

    [Fact]
    public void AnEmptyHistoryTrustsNothingFromAnotherTimeline() =>
        Assert.False(TimelineHistory.Parse("[]", Source).Contains(1, 0));

    [Fact]
    public void SomethingElseIsNotPatroni() =>
        Assert.Equal(Errors.PatroniErrorIds.NotPatroni,
            Assert.Throws<Errors.PatroniHaException>(() => TimelineHistory.Parse("<html>", Source)).ErrorId);
}
