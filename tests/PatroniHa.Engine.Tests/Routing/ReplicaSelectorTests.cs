using System.Diagnostics;
using PatroniHa.Engine.Routing.Reads;
using Xunit;

namespace PatroniHa.Engine.Tests.Routing;

/// <summary>The read routing rules on hand-built member states (no I/O in the selector).</summary>
public sealed class ReplicaSelectorTests
{
    private static readonly long Now = Stopwatch.GetTimestamp();

    private static long Ago(double seconds) => Now - (long)(seconds * Stopwatch.Frequency);

    private static ReplicaCandidate Replica(string name, string? replay = "0/1000", string dc = "dc1", bool usable = true,
        bool inRecovery = true, double rttMs = 1, params (string Key, object? Value)[] tags)
    {
        var allTags = new Dictionary<string, object?> { ["datacenter"] = dc };
        foreach (var (key, value) in tags)
            allTags[key] = value;
        MemberReadState? state = replay is null
            ? null
            : new MemberReadState(Lsn.Parse(replay), inRecovery, Now, TimeSpan.FromMilliseconds(rttMs));
        return new ReplicaCandidate(name, allTags, usable, state);
    }

    private static ReplicaSelection Select(ReadPolicy policy, Lsn? required = null, LeaderLsnSamples? samples = null,
        int turn = 0, params ReplicaCandidate[] replicas) =>
        ReplicaSelector.Select(replicas, policy, required, samples ?? new LeaderLsnSamples(), Now, turn);

    private static Dictionary<string, string> Tags(string key, string value) => new() { [key] = value };

    [Fact]
    public void NoLoadBalanceAndUnavailableMembersNeverServe()
    {
        ReplicaSelection s = Select(ReadPolicy.Default, null, null, 0,
            Replica("a", tags: ("noloadbalance", true)),
            Replica("b", tags: ("noloadbalance", "true")),
            Replica("c", usable: false),
            Replica("d"));
        Assert.Equal(["d"], s.Ready);
        Assert.Contains(("a", SkipReason.NoLoadBalance), s.Skipped);
        Assert.Contains(("b", SkipReason.NoLoadBalance), s.Skipped);
        Assert.Contains(("c", SkipReason.Unavailable), s.Skipped);
    }

    [Fact]
    public void NoLoadBalanceFalseDoesNotExclude() =>
        Assert.Equal(["a"], Select(ReadPolicy.Default, null, null, 0, Replica("a", tags: ("noloadbalance", false))).Ready);

    [Fact]
    public void RoundRobinRotatesWithTheTurn()
    {
        ReplicaCandidate[] replicas = [Replica("a"), Replica("b"), Replica("c")];
        Assert.Equal(["a", "b", "c"], Select(ReadPolicy.Default, null, null, 0, replicas).Ready);
        Assert.Equal(["b", "c", "a"], Select(ReadPolicy.Default, null, null, 1, replicas).Ready);
        Assert.Equal(["c", "a", "b"], Select(ReadPolicy.Default, null, null, 5, replicas).Ready);
    }

    [Fact]
    public void LowestLatencyOrdersByMeasuredRoundTripWithUnmeasuredLast()
    {
        var policy = new ReadPolicy { Choice = ReplicaChoice.LowestLatency };
        ReplicaSelection s = Select(policy, null, null, 0, Replica("slow", rttMs: 9), Replica("unknown", replay: null), Replica("fast", rttMs: 2));
        Assert.Equal(["fast", "slow", "unknown"], s.Ready);
    }

    [Fact]
    public void RandomKeepsEveryEligibleMember()
    {
        var policy = new ReadPolicy { Choice = ReplicaChoice.Random };
        ReplicaSelection s = Select(policy, null, null, 0, Replica("a"), Replica("b"), Replica("c", tags: ("noloadbalance", true)));
        Assert.Equal(["a", "b"], s.Ready.Order());
    }

    [Fact]
    public void RequiredTagsExclude()
    {
        var policy = new ReadPolicy { RequireTags = Tags("datacenter", "east") };
        ReplicaSelection s = Select(policy, null, null, 0, Replica("a", dc: "west"), Replica("b", dc: "EAST"));
        Assert.Equal(["b"], s.Ready);
        Assert.Contains(("a", SkipReason.Tags), s.Skipped);
    }

    [Fact]
    public void PreferredTagGroupsRankInOrderAndAnEmptyGroupMatchesAny()
    {
        var policy = new ReadPolicy { PreferTags = [Tags("datacenter", "east"), Tags("datacenter", "west"), new Dictionary<string, string>()] };
        ReplicaSelection s = Select(policy, null, null, 1, Replica("other", dc: "north"), Replica("w", dc: "west"), Replica("e1", dc: "east"), Replica("e2", dc: "east"));
        Assert.Equal(["e2", "e1", "w", "other"], s.Ready);

        var strict = policy with { PreferTags = [Tags("datacenter", "east")] };
        ReplicaSelection only = Select(strict, null, null, 0, Replica("w", dc: "west"));
        Assert.Empty(only.Ready);
        Assert.Contains(("w", SkipReason.Tags), only.Skipped);
    }

    [Fact]
    public void NumericAndBooleanTagsMatchTheirText()
    {
        var policy = new ReadPolicy { RequireTags = new Dictionary<string, string> { ["rack"] = "3", ["ssd"] = "true" } };
        Assert.Equal(["a"], Select(policy, null, null, 0, Replica("a", tags: [("rack", 3L), ("ssd", true)]), Replica("b", tags: ("rack", 4L))).Ready);
    }

    [Fact]
    public void ReadYourWritesSplitsReadyFromBehindAndUnmeasured()
    {
        ReplicaSelection s = Select(new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites }, Lsn.Parse("0/2000"), null, 0,
            Replica("caught-up", replay: "0/2000"), Replica("behind", replay: "0/1FFF"), Replica("unmeasured", replay: null));
        Assert.Equal(["caught-up"], s.Ready);
        Assert.Equal(["behind", "unmeasured"], s.Behind.Order());
    }

    [Fact]
    public void APromotedMemberIsNotAReplica()
    {
        ReplicaSelection s = Select(ReadPolicy.Default, null, null, 0, Replica("a", inRecovery: false), Replica("b"));
        Assert.Equal(["b"], s.Ready);
        Assert.Contains(("a", SkipReason.NotInRecovery), s.Skipped);
    }

    [Fact]
    public void MaxLagBytesComparesWithTheLeadersNewestSample()
    {
        var samples = new LeaderLsnSamples();
        samples.Add(Lsn.Parse("0/5000"), Ago(0.1));
        var policy = new ReadPolicy { MaxLagBytes = 0x1000 };
        ReplicaSelection s = Select(policy, null, samples, 0, Replica("near", replay: "0/4000"), Replica("far", replay: "0/3FFF"), Replica("unmeasured", replay: null));
        Assert.Equal(["near"], s.Ready);
        Assert.Contains(("far", SkipReason.TooStaleBytes), s.Skipped);
        Assert.Contains(("unmeasured", SkipReason.LagUnknown), s.Skipped);
        Assert.Contains(("near", SkipReason.LagUnknown), Select(policy, null, new LeaderLsnSamples(), 0, Replica("near")).Skipped);
    }

    [Fact]
    public void MaxLagUsesTheNewestSampleTheReplicaHasReplayed()
    {
        var samples = new LeaderLsnSamples();
        samples.Add(Lsn.Parse("0/1000"), Ago(10));
        samples.Add(Lsn.Parse("0/2000"), Ago(3));
        samples.Add(Lsn.Parse("0/3000"), Ago(0.5));
        var policy = new ReadPolicy { MaxLag = TimeSpan.FromSeconds(2) };
        ReplicaSelection s = Select(policy, null, samples, 0,
            Replica("fresh", replay: "0/3000"), Replica("three-seconds", replay: "0/2FFF"), Replica("before-history", replay: "0/0FFF"));
        Assert.Equal(["fresh"], s.Ready);
        Assert.Contains(("three-seconds", SkipReason.TooStaleTime), s.Skipped);
        Assert.Contains(("before-history", SkipReason.LagUnknown), s.Skipped);
    }

    [Fact]
    public void AnIdleLeaderDoesNotMakeACaughtUpReplicaStale()
    {
        // The leader wrote nothing for a minute: every sample has the same position, the newest is recent.
        var samples = new LeaderLsnSamples();
        for (int i = 240; i >= 0; i--)
            samples.Add(Lsn.Parse("0/3000"), Ago(i * 0.25));
        Assert.Equal(TimeSpan.Zero, samples.StalenessAt(Lsn.Parse("0/3000"), Ago(0)));
        Assert.Equal(["idle"], Select(new ReadPolicy { MaxLag = TimeSpan.FromSeconds(1) }, null, samples, 0, Replica("idle", replay: "0/3000")).Ready);
    }

    [Fact]
    public void ANewTimelineWithLowerPositionsRestartsTheSamples()
    {
        var samples = new LeaderLsnSamples();
        samples.Add(Lsn.Parse("0/9000"), Ago(5));
        samples.Add(Lsn.Parse("0/8000"), Ago(1));
        Assert.Null(samples.StalenessAt(Lsn.Parse("0/7FFF"), Now));
        Assert.Equal(Lsn.Parse("0/8000"), samples.Newest!.Value.Lsn);
    }
}
