using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Patroni;

public class PayloadParsingTests
{
    private static readonly Uri Source = new("http://127.0.0.1:8008/");
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ClusterSnapshot Cluster(string version, string file = "cluster.json") =>
        PatroniJson.ParseCluster(Payloads.Read(version, file), Source, Now);

    [Fact]
    public void Patroni302_cluster_recorded_healthy()
    {
        var c = Cluster("3.0.2");
        Assert.Null(c.Scope); // 3.0.2 does not send scope in /cluster
        Assert.False(c.Paused);
        Assert.Equal(3, c.Members.Count);
        var leader = c.RequireLeader();
        Assert.Equal("n1", leader.Name);
        Assert.Equal(MemberRole.Leader, leader.Role);
        Assert.Null(leader.LagBytes);
        Assert.Equal(1, leader.Timeline);
        Assert.Equal("127.0.0.1", leader.Host);
        Assert.Equal("dc1", leader.Tags["datacenter"]);
        Assert.Equal(new Uri("http://127.0.0.1:53595/patroni"), leader.ApiUrl);
        Assert.All(c.Replicas, r =>
        {
            Assert.Equal(MemberRole.Replica, r.Role);
            Assert.Equal("running", r.State);
            Assert.True(r.IsRunning);
            Assert.Equal(0, r.LagBytes);
        });
    }

    [Fact]
    public void Patroni302_cluster_sync_standby()
    {
        var c = Cluster("3.0.2", "cluster-sync.json");
        Assert.Equal(MemberRole.SyncStandby, c.Members.Single(m => m.Name == "n2").Role);
        Assert.Equal(MemberRole.Replica, c.Members.Single(m => m.Name == "n3").Role);
    }

    [Fact]
    public void Patroni302_cluster_lag_unknown_after_switchover()
    {
        var c = Cluster("3.0.2", "cluster-after-switchover.json");
        var old = c.Members.Single(m => m.Name == "n1");
        Assert.Equal("stopped", old.State);
        Assert.False(old.IsRunning);
        Assert.Null(old.LagBytes);
        Assert.Null(old.Timeline);
        Assert.Equal("n2", c.RequireLeader().Name);
        Assert.Equal(280, c.Members.Single(m => m.Name == "n3").LagBytes);
    }

    [Fact]
    public void Patroni302_cluster_scheduled_switchover()
    {
        var s = Cluster("3.0.2", "cluster-scheduled.json").ScheduledSwitchover;
        Assert.NotNull(s);
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), s.At);
        Assert.Equal(("n1", "n2"), (s.From, s.To));
    }

    [Fact]
    public void Patroni302_leaderless_paused_cluster_RequireLeader_says_what_to_do()
    {
        var c = Cluster("3.0.2", "cluster-leaderless.json");
        Assert.True(c.Paused);
        Assert.Null(c.Leader);
        var e = Assert.Throws<PatroniHaException>(() => c.RequireLeader());
        Assert.Equal(PatroniErrorIds.NoPrimary, e.ErrorId);
        Assert.Equal(FailureKind.ResourceUnavailable, e.Kind);
        Assert.Contains("No primary node found in cluster", e.Message);
        Assert.Contains("patronictl -c /etc/patroni.yml list", e.Message);
        Assert.Contains("Invoke-PatroniFailover -Candidate", e.Message);
        Assert.Contains("paused", e.Message);
        Assert.Contains("n3 SyncStandby running", e.Message);
    }

    [Fact]
    public void Patroni302_node_status_leader_says_master()
    {
        var s = PatroniJson.ParseNodeStatus(Payloads.Read("3.0.2", "patroni.json"), Source);
        Assert.Equal("master", s.RawRole);
        Assert.Equal(MemberRole.Leader, s.Role);
        Assert.True(s.IsPrimary);
        Assert.Equal("running", s.State);
        Assert.Equal(150018, s.ServerVersion);
        Assert.Equal(67108960, s.WalLocation);
        Assert.Null(s.ReceivedLocation);
        Assert.Equal(("3.0.2", "demo"), (s.PatroniVersion, s.Scope));
        Assert.Null(s.Name); // 3.0.2 does not send patroni.name
        Assert.Null(s.ReplicationState); // nor replication_state
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795474618), s.DcsLastSeen);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 22, 56, 37, 205, TimeSpan.Zero).AddTicks(3470),
            s.PostmasterStartTime);
        Assert.False(s.ClusterUnlocked);
    }

    [Fact]
    public void Patroni302_node_status_replica_leaderless()
    {
        var s = PatroniJson.ParseNodeStatus(Payloads.Read("3.0.2", "patroni-replica-leaderless.json"), Source);
        Assert.Equal(MemberRole.Replica, s.Role);
        Assert.True(s.ClusterUnlocked);
        Assert.True(s.Paused);
        Assert.True(s.SyncStandby);
        Assert.Equal(67110088, s.ReceivedLocation);
        Assert.Equal(67110088, s.ReplayedLocation);
        Assert.False(s.ReplayPaused);
        Assert.NotNull(s.ReplayedTimestamp);
    }

    [Fact]
    public void Patroni302_config()
    {
        var c = PatroniJson.ParseConfig(Payloads.Read("3.0.2", "config.json"), Source);
        Assert.Equal((10, 1, 4), (c.Ttl, c.LoopWait, c.RetryTimeout));
        Assert.Equal(1048576, c.MaximumLagOnFailover);
        Assert.Null(c.SynchronousMode);
        Assert.False(c.Paused);
        Assert.Equal("replica", c.Raw.GetProperty("postgresql").GetProperty("parameters").GetProperty("wal_level").GetString());

        var paused = PatroniJson.ParseConfig(Payloads.Read("3.0.2", "config-paused.json"), Source);
        Assert.True(paused.SynchronousMode);
        Assert.True(paused.Paused);
    }

    [Fact]
    public void Patroni304_streaming_and_archive_recovery()
    {
        var c = Cluster("3.0.4");
        var n2 = c.Members.Single(m => m.Name == "n2");
        Assert.Equal(("streaming", MemberRole.SyncStandby), (n2.State, n2.Role));
        Assert.True(n2.IsRunning);
        var n3 = c.Members.Single(m => m.Name == "n3");
        Assert.Equal("in archive recovery", n3.State);
        Assert.True(n3.NoFailover);
        Assert.Equal(16777216, n3.LagBytes);

        var s = PatroniJson.ParseNodeStatus(Payloads.Read("3.0.4", "patroni-replica.json"), Source);
        Assert.Equal("streaming", s.ReplicationState);
        Assert.True(s.SyncStandby);
        Assert.Equal(MemberRole.Leader, PatroniJson.ParseNodeStatus(Payloads.Read("3.0.4", "patroni.json"), Source).Role);

        var config = PatroniJson.ParseConfig(Payloads.Read("3.0.4", "config.json"), Source);
        Assert.True(config.SynchronousMode);
        Assert.False(config.SynchronousModeStrict);
    }

    [Fact]
    public void Patroni4_primary_lsn_and_unknown_lag()
    {
        var c = Cluster("4.0.4");
        Assert.Equal("demo", c.Scope);
        Assert.Equal("patroni1", c.RequireLeader().Name);
        Assert.Equal(new Uri("https://10.89.0.4:8008/patroni"), c.Leader!.ApiUrl);

        var sync = c.Members.Single(m => m.Name == "patroni2");
        Assert.Equal(MemberRole.SyncStandby, sync.Role);
        Assert.Equal(0, sync.LagBytes);
        Assert.Equal("0/4000060", sync.ReceiveLsn);
        Assert.Equal("0/3FFFFE0", sync.ReplayLsn);
        Assert.Equal(128, sync.ReplayLagBytes);

        var stopped = c.Members.Single(m => m.Name == "patroni3");
        Assert.Null(stopped.LagBytes);
        Assert.Null(stopped.ReceiveLsn);
        Assert.Null(stopped.Lsn);
        Assert.Null(stopped.ReplayLagBytes);
        Assert.True(stopped.PendingRestart);
        Assert.True(stopped.NoFailover); // "true" as text
        Assert.True(c.Leader.Tags["clonefrom"] is true);

        var leader = PatroniJson.ParseNodeStatus(Payloads.Read("4.0.4", "patroni.json"), Source);
        Assert.Equal(("primary", MemberRole.Leader, "patroni1", "4.0.4"),
            (leader.RawRole, leader.Role, leader.Name, leader.PatroniVersion));

        var replica = PatroniJson.ParseNodeStatus(Payloads.Read("4.0.4", "patroni-replica.json"), Source);
        Assert.Equal(67419744, replica.LatestEndLsn);
        Assert.Null(replica.ReplayedTimestamp);
        Assert.True(replica.FailsafeModeIsActive);
        Assert.True(replica.ClusterUnlocked);
    }

    [Fact]
    public void Patroni4_config_and_quorum()
    {
        var c = PatroniJson.ParseConfig(Payloads.Read("4.0.4", "config.json"), Source);
        Assert.True(c.SynchronousMode);
        Assert.False(c.QuorumCommit);
        Assert.True(c.Paused);
        Assert.True(c.FailsafeMode);
        Assert.True(c.CheckTimeline);
        Assert.Equal(300, c.PrimaryStartTimeout);

        var q = PatroniJson.ParseConfig(Payloads.Read("4.0.4", "config-quorum.json"), Source);
        Assert.True(q.SynchronousMode);
        Assert.True(q.QuorumCommit);
    }

    [Theory]
    [InlineData("leader", MemberRole.Leader)]
    [InlineData("master", MemberRole.Leader)]
    [InlineData("primary", MemberRole.Leader)]
    [InlineData("Replica", MemberRole.Replica)]
    [InlineData("sync_standby", MemberRole.SyncStandby)]
    [InlineData("quorum_standby", MemberRole.QuorumStandby)]
    [InlineData("standby_leader", MemberRole.StandbyLeader)]
    [InlineData("something_new", MemberRole.Unknown)]
    [InlineData(null, MemberRole.Unknown)]
    public void Roles_are_normalised(string? text, MemberRole role) => Assert.Equal(role, PatroniJson.ParseRole(text));

    [Fact]
    public void Unknown_fields_ignored_missing_fields_null_and_odd_types_tolerated()
    {
        const string json = """
            {"members": [{"name": "a", "role": "leader", "future": {"x": [1]}, "port": "5433", "tags": {"w": 1.5, "n": null, "o": {"k": 1}}},
                         {"role": "replica"},
                         {"name": "b", "role": "replica", "lag": "12", "timeline": null, "api_url": "not a url"}],
             "pause": "true", "brand_new": 1}
            """;
        var c = PatroniJson.ParseCluster(json, Source, Now);
        Assert.True(c.Paused);
        Assert.Equal(["a", "b"], c.Members.Select(m => m.Name));
        var a = c.Members[0];
        Assert.Equal(("", 5433, ""), (a.Host, a.Port, a.State));
        Assert.Equal(1.5, a.Tags["w"]);
        Assert.Null(a.Tags["n"]);
        Assert.Equal("""{"k": 1}""", a.Tags["o"]);
        var b = c.Members[1];
        Assert.Equal(12, b.LagBytes);
        Assert.Null(b.Timeline);
        Assert.Null(b.ApiUrl);
        Assert.Equal(5432, b.Port);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>It works!</body></html>", "HTML")]
    [InlineData("", "empty")]
    [InlineData("hello", "not JSON")]
    [InlineData("[1,2]", "Array")]
    [InlineData("""{"status": "ok"}""", "members")]
    [InlineData("""{"members": 3}""", "members")]
    public void Not_patroni_bodies_are_NotPatroni(string body, string why)
    {
        var e = Assert.Throws<PatroniHaException>(() => PatroniJson.ParseCluster(body, Source, Now));
        Assert.Equal(PatroniErrorIds.NotPatroni, e.ErrorId);
        Assert.Contains("answered GET /cluster but is not Patroni's REST API", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains(Source.ToString(), e.Message);
    }

    [Fact]
    public void Node_status_and_config_reject_foreign_json()
    {
        Assert.Equal(PatroniErrorIds.NotPatroni, Assert.Throws<PatroniHaException>(
            () => PatroniJson.ParseNodeStatus("""{"ok": true}""", Source)).ErrorId);
        Assert.Equal(PatroniErrorIds.NotPatroni, Assert.Throws<PatroniHaException>(
            () => PatroniJson.ParseConfig("""{"ok": true}""", Source)).ErrorId);
        // A cluster document is JSON but not a config.
        Assert.Equal(PatroniErrorIds.NotPatroni, Assert.Throws<PatroniHaException>(
            () => PatroniJson.ParseConfig(Payloads.Read("3.0.2", "cluster.json"), Source)).ErrorId);
    }

    [Fact]
    public void Every_recorded_payload_parses()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Payloads");
        var files = Directory.GetFiles(root, "*.json", SearchOption.AllDirectories);
        Assert.True(files.Length >= 20, $"only {files.Length} payloads copied to output");
        foreach (var f in files)
        {
            var body = File.ReadAllText(f);
            var name = Path.GetFileName(f);
            if (name.StartsWith("cluster"))
                Assert.NotEmpty(PatroniJson.ParseCluster(body, Source, Now).Members);
            else if (name.StartsWith("patroni"))
                Assert.NotEqual("unknown", PatroniJson.ParseNodeStatus(body, Source).State);
            else if (name.StartsWith("config"))
                Assert.NotNull(PatroniJson.ParseConfig(body, Source).Ttl);
        }
    }
}
