using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Tests.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Drills;

/// <summary>The readiness checks on recorded /cluster and /config payloads (and edits of them).</summary>
public sealed class ReadinessTests
{
    private static readonly Uri Source = new("http://127.0.0.1:8008/");

    private static ClusterSnapshot Cluster(string json) => PatroniJson.ParseCluster(json, Source, DateTimeOffset.UtcNow);

    private static PatroniDynamicConfig Config(string json) => PatroniJson.ParseConfig(json, Source);

    private static ReadinessReport Evaluate(string cluster, string config, string? candidate = null) =>
        ReadinessChecker.Evaluate(Cluster(cluster), Config(config), candidate);

    [Theory]
    [InlineData("3.0.2")]
    [InlineData("3.0.4")]
    [InlineData("4.0.4")]
    public void A_healthy_cluster_is_ready_on_every_Patroni_version(string version)
    {
        // The recorded 4.0.4 config is paused; everything else about it is healthy.
        string config = Payloads.Read(version, "config.json").Replace("\"pause\": true", "\"pause\": false");
        ReadinessReport r = Evaluate(Payloads.Read(version, "cluster.json"), config);
        Assert.True(r.Passed, r.Verdict);
        Assert.Equal(["Leader", "NotPaused", "EligibleReplica", "SameTimeline"], r.Checks.Select(c => c.Check));
        Assert.NotEmpty(r.Candidates);
        Assert.StartsWith("Ready", r.Verdict);
    }

    [Fact]
    public void A_paused_cluster_fails_NotPaused_only()
    {
        ReadinessReport r = Evaluate(Payloads.Read("3.0.2", "cluster-paused.json"), Payloads.Read("3.0.2", "config-paused.json"));
        Assert.False(r.Passed);
        Assert.Equal(["NotPaused"], r.Checks.Where(c => !c.Passed).Select(c => c.Check));
        Assert.Contains("paused", r.Verdict);
    }

    [Fact]
    public void A_leaderless_cluster_fails_the_Leader_check_and_points_at_Invoke_PatroniFailover()
    {
        ReadinessReport r = Evaluate(Payloads.Read("3.0.2", "cluster-leaderless.json"), Payloads.Read("3.0.2", "config.json"));
        Assert.False(r.Passed);
        ReadinessCheck leader = r.Checks.Single(c => c.Check == "Leader");
        Assert.False(leader.Passed);
        Assert.Contains("Invoke-PatroniFailover", leader.Detail);
    }

    [Fact]
    public void Nofailover_on_every_replica_leaves_no_candidate()
    {
        string cluster = Payloads.Read("3.0.2", "cluster.json")
            .Replace("\"tags\": {\"datacenter\": \"dc2\"}", "\"tags\": {\"datacenter\": \"dc2\", \"nofailover\": true}")
            .Replace("\"tags\": {\"datacenter\": \"dc3\"}", "\"tags\": {\"datacenter\": \"dc3\", \"nofailover\": true}");
        ReadinessReport r = Evaluate(cluster, Payloads.Read("3.0.2", "config.json"));
        Assert.False(r.Passed);
        Assert.Empty(r.Candidates);
        ReadinessCheck replicas = r.Checks.Single(c => !c.Passed);
        Assert.Equal("EligibleReplica", replicas.Check);
        Assert.Contains("n2: tagged nofailover", replicas.Detail);
        Assert.Contains("n3: tagged nofailover", replicas.Detail);
    }

    [Fact]
    public void Lag_beyond_maximum_lag_on_failover_disqualifies_a_replica()
    {
        string cluster = Payloads.Read("3.0.2", "cluster.json").Replace("\"dc2\"}, \"lag\": 0", "\"dc2\"}, \"lag\": 5000");
        string config = Payloads.Read("3.0.2", "config.json").Replace("1048576", "4096");
        ReadinessReport r = Evaluate(cluster, config);
        Assert.True(r.Passed);
        Assert.Equal(["n3"], r.Candidates);
        Assert.Contains("n2: lag 5000 B exceeds maximum_lag_on_failover 4096 B", r.Checks.Single(c => c.Check == "EligibleReplica").Detail);
        Assert.False(Evaluate(cluster, config, "n2").Passed);
        Assert.True(Evaluate(cluster, config, "n3").Passed);
        Assert.Contains("no member is named 'n9'", Evaluate(cluster, config, "n9").Verdict);
    }

    [Fact]
    public void A_replica_off_the_leaders_timeline_is_no_candidate_and_fails_SameTimeline_although_its_lag_reads_0()
    {
        // 3.0.2 right after a switchover to n1 (timeline 2): n2 still replays timeline 1 and reports lag 0.
        string cluster = Payloads.Read("3.0.2", "cluster.json")
            .Replace("\"leader\", \"state\": \"running\", \"api_url\": \"http://127.0.0.1:53595/patroni\", \"host\": \"127.0.0.1\", \"port\": 35197, \"timeline\": 1",
                "\"leader\", \"state\": \"running\", \"api_url\": \"http://127.0.0.1:53595/patroni\", \"host\": \"127.0.0.1\", \"port\": 35197, \"timeline\": 2")
            .Replace("\"port\": 59127, \"timeline\": 1", "\"port\": 59127, \"timeline\": 2");
        ReadinessReport r = Evaluate(cluster, Payloads.Read("3.0.2", "config.json"));
        Assert.False(r.Passed);
        Assert.Equal(["SameTimeline"], r.Checks.Where(c => !c.Passed).Select(c => c.Check));
        Assert.Contains("n2 (running, timeline 1)", r.Verdict);
        Assert.Equal(["n3"], r.Candidates);
        Assert.Contains("n2: on timeline 1, the leader on 2: promoting it would fork the history", r.Checks.Single(c => c.Check == "EligibleReplica").Detail);
        Assert.False(Evaluate(cluster, Payloads.Read("3.0.2", "config.json"), "n2").Passed);
        // Patroni's own guard against that, off by default, is named either way.
        Assert.Contains("check_timeline is off", r.Checks.Single(c => c.Check == "SameTimeline").Detail);
        string guarded = "{\"check_timeline\": true, " + Payloads.Read("3.0.2", "config.json")[1..];
        Assert.Contains("check_timeline is on", Evaluate(cluster, guarded).Checks.Single(c => c.Check == "SameTimeline").Detail);
    }

    [Fact]
    public void Synchronous_mode_allows_only_the_synchronous_standby()
    {
        ReadinessReport r = Evaluate(Payloads.Read("3.0.2", "cluster-sync.json"), Payloads.Read("3.0.2", "config-sync.json"));
        Assert.True(r.Passed, r.Verdict);
        ClusterSnapshot s = Cluster(Payloads.Read("3.0.2", "cluster-sync.json"));
        Assert.Equal(s.Members.Where(m => m.Role == MemberRole.SyncStandby).Select(m => m.Name), r.Candidates);
    }
}
