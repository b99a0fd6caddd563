using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Drills;

/// <summary>
/// Who may be handed the leadership: the cluster as /cluster showed it 4 s after a switchover from n1 to n3, when a
/// switchover back let Patroni 3.0.2 promote n1 from timeline 1 and lose everything n3 had written.
/// </summary>
public class PromotionSafetyTests
{
    private const long Limit = 1024 * 1024;

    private static PatroniMember Member(string name, MemberRole role, string state, long? timeline, long? lag,
        bool noFailover = false) =>
        new(name, "127.0.0.1", 5432, role, state, timeline, lag,
            noFailover ? new Dictionary<string, object?> { ["nofailover"] = true } : new Dictionary<string, object?>(),
            new Uri("http://127.0.0.1:8008/patroni"));

    private static ClusterSnapshot Cluster(params PatroniMember[] members) =>
        new("test", members, false, new Uri("http://127.0.0.1:8008/"), DateTimeOffset.UtcNow);

    private static readonly ClusterSnapshot JustSwitchedOver = Cluster(
        Member("n1", MemberRole.Replica, "stopped", null, null),
        Member("n2", MemberRole.Replica, "running", 1, 0),
        Member("n3", MemberRole.Leader, "running", 2, null));

    [Fact]
    public void A_member_still_rejoining_or_on_the_old_timeline_makes_an_open_switchover_unsafe()
    {
        string? problem = PromotionSafety.Problem(JustSwitchedOver, candidate: null, Limit);
        Assert.Equal("n1 is stopped", problem);
        var n1Back = Cluster(JustSwitchedOver.Members[2], Member("n1", MemberRole.Replica, "running", 2, 0), JustSwitchedOver.Members[1]);
        Assert.Equal("n2 is on timeline 1, the leader on 2", PromotionSafety.Problem(n1Back, null, Limit));
    }

    [Fact]
    public void A_caught_up_candidate_is_safe_whatever_the_others_do()
    {
        var n2Follows = Cluster(JustSwitchedOver.Members[0], Member("n2", MemberRole.Replica, "running", 2, 0), JustSwitchedOver.Members[2]);
        Assert.Null(PromotionSafety.Problem(n2Follows, "n2", Limit));
        Assert.Equal("n1 is stopped", PromotionSafety.Problem(n2Follows, "n1", Limit));
    }

    [Fact]
    public void Members_tagged_nofailover_do_not_count_and_a_lagging_one_does()
    {
        var tagged = Cluster(Member("n1", MemberRole.Replica, "stopped", null, null, noFailover: true),
            Member("n2", MemberRole.Replica, "running", 2, 0), Member("n3", MemberRole.Leader, "running", 2, null));
        Assert.Null(PromotionSafety.Problem(tagged, null, Limit));
        var lagging = Cluster(Member("n2", MemberRole.Replica, "running", 2, 2 * Limit), Member("n3", MemberRole.Leader, "running", 2, null));
        Assert.Equal($"n2 lags {2 * Limit} bytes (limit {Limit})", PromotionSafety.Problem(lagging, null, Limit));
    }

    [Fact]
    public void Without_a_leader_the_candidate_must_be_on_the_newest_timeline()
    {
        var leaderless = Cluster(Member("n1", MemberRole.Replica, "running", 1, 0), Member("n2", MemberRole.Replica, "running", 2, 0));
        Assert.Equal("n1 is on timeline 1, another member on 2", PromotionSafety.Problem(leaderless, "n1", Limit));
        Assert.Null(PromotionSafety.Problem(leaderless, "n2", Limit));
    }
}
