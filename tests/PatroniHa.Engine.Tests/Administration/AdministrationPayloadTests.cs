using System.Text.Json;
using System.Text.Json.Nodes;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Tests.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Administration;

/// <summary>What 4.x adds to /cluster, /history rows of every length, and the /config diff rules.</summary>
public class AdministrationPayloadTests
{
    private static readonly Uri Source = new("http://127.0.0.1:8008/");

    [Fact]
    public void Patroni_4_1_pending_restart_reason_scheduled_restart_and_lsns_are_read()
    {
        ClusterSnapshot c = PatroniJson.ParseCluster(Payloads.Read("4.1.0", "cluster-pending.json"), Source, DateTimeOffset.UtcNow);
        Assert.True(c.Paused);
        PatroniMember leader = c.Members[0];
        Assert.True(leader.PendingRestart);
        Assert.Equal([new PendingSettingChange("max_connections", "100", "200")], leader.PendingRestartReason);
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 1, 0, 0, TimeSpan.Zero), leader.ScheduledRestart!.At);
        Assert.Equal("17.2", leader.ScheduledRestart.PostgresVersion);
        PatroniMember replica = c.Members[1];
        Assert.Equal(["max_connections", "shared_buffers"], replica.PendingRestartReason.Select(p => p.Name));
        Assert.Equal("0/5000148", replica.ReceiveLsn);
        Assert.Equal("0/5000100", replica.ReplayLsn);
        Assert.Null(replica.ScheduledRestart);
    }

    [Fact]
    public void Patroni_3_0_2_members_have_no_reason_and_no_schedule()
    {
        ClusterSnapshot c = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        Assert.All(c.Members, m =>
        {
            Assert.Empty(m.PendingRestartReason);
            Assert.Null(m.ScheduledRestart);
            Assert.False(m.PendingRestart);
        });
    }

    [Fact]
    public void History_rows_of_three_to_five_items_are_padded()
    {
        IReadOnlyList<TimelineSwitch> rows = TimelineSwitch.ParseHistory(
            """[[1, 25623960, "no recovery target specified"], [2, 50331808, "no recovery target specified", "2024-05-01T10:00:00.123+00:00"], [3, 83886240, "no recovery target specified", "2024-05-02T11:00:00+02:00", "n2"]]""",
            Source);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Timeline));
        Assert.Null(rows[0].At);
        Assert.Null(rows[0].NewLeader);
        Assert.Equal(25623960L, rows[0].Lsn);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, 123, TimeSpan.Zero), rows[1].At);
        Assert.Equal("n2", rows[2].NewLeader);
        Assert.Empty(TimelineSwitch.ParseHistory(Payloads.Read("3.0.2", "history.json"), Source));
    }

    [Fact]
    public void A_history_that_is_not_a_list_is_not_Patroni()
    {
        var e = Assert.Throws<PatroniHa.Engine.Errors.PatroniHaException>(() => TimelineSwitch.ParseHistory("""{"a": 1}""", Source));
        Assert.Equal(PatroniHa.Engine.Errors.PatroniErrorIds.NotPatroni, e.ErrorId);
    }

    [Fact]
    public void A_patch_diff_compares_values_as_text_merges_sections_and_null_removes()
    {
        using JsonDocument current = JsonDocument.Parse(
            """{"ttl": 30, "loop_wait": 10, "postgresql": {"parameters": {"max_connections": 100, "work_mem": "4MB"}, "use_pg_rewind": true}}""");
        JsonObject patch = ConfigDiff.ToJson(new Dictionary<string, object?>
        {
            ["ttl"] = "30",
            ["loop_wait"] = 5,
            ["pause"] = null,
            ["postgresql"] = new Dictionary<string, object?>
            {
                ["parameters"] = new Dictionary<string, object?> { ["max_connections"] = 200, ["work_mem"] = null, ["wal_level"] = "logical" },
            },
        });
        var changes = ConfigDiff.ForPatch(current.RootElement, patch).ToDictionary(c => c.Path);
        Assert.Equal(ConfigChangeKind.Unchanged, changes["ttl"].Kind);
        Assert.Equal(new ConfigChange("loop_wait", "10", "5", ConfigChangeKind.Change), changes["loop_wait"]);
        Assert.Equal(ConfigChangeKind.Unchanged, changes["pause"].Kind); // removing what is not there
        Assert.Equal(new ConfigChange("postgresql.parameters.max_connections", "100", "200", ConfigChangeKind.Change),
            changes["postgresql.parameters.max_connections"]);
        Assert.Equal("max_connections", changes["postgresql.parameters.max_connections"].ParameterName);
        Assert.Equal(ConfigChangeKind.Remove, changes["postgresql.parameters.work_mem"].Kind);
        Assert.Equal(ConfigChangeKind.Add, changes["postgresql.parameters.wal_level"].Kind);
        Assert.False(changes.ContainsKey("postgresql.use_pg_rewind"));
        Assert.Null(changes["loop_wait"].ParameterName);
        Assert.Equal("""{"ttl":"30","loop_wait":5,"pause":null,"postgresql":{"parameters":{"max_connections":200,"work_mem":null,"wal_level":"logical"}}}""",
            patch.ToJsonString());
    }

    [Fact]
    public void A_replace_diff_lists_every_removed_leaf()
    {
        using JsonDocument current = JsonDocument.Parse("""{"ttl": 30, "loop_wait": 10, "postgresql": {"parameters": {"max_connections": 100}}}""");
        JsonObject replacement = ConfigDiff.ToJson(new Dictionary<string, object?> { ["ttl"] = 20 });
        var changes = ConfigDiff.ForReplace(current.RootElement, replacement).ToDictionary(c => c.Path);
        Assert.Equal(ConfigChangeKind.Change, changes["ttl"].Kind);
        Assert.Equal(ConfigChangeKind.Remove, changes["loop_wait"].Kind);
        Assert.Equal(ConfigChangeKind.Remove, changes["postgresql.parameters.max_connections"].Kind);
    }

    [Fact]
    public void Healthy_needs_a_running_leader_and_replicas_on_its_timeline_within_the_lag()
    {
        ClusterSnapshot ok = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        Assert.Null(ClusterConditions.HealthProblem(ok, 0));
        ClusterSnapshot after = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster-after-switchover.json"), Source, DateTimeOffset.UtcNow);
        Assert.NotNull(ClusterConditions.HealthProblem(after, ClusterConditions.DefaultMaxLagBytes));
        ClusterSnapshot leaderless = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster-leaderless.json"), Source, DateTimeOffset.UtcNow);
        Assert.Equal("there is no leader", ClusterConditions.HealthProblem(leaderless, ClusterConditions.DefaultMaxLagBytes));
        Assert.Equal("the leader is n1", ClusterConditions.LeaderProblem(ok, "n2"));
        Assert.Null(ClusterConditions.LeaderProblem(ok, "n1"));
    }

    [Theory]
    [InlineData("4.1.0", true)]
    [InlineData("4.1", true)]
    [InlineData("4.2.1", true)]
    [InlineData("5.0.0", true)]
    [InlineData("4.0.7", false)]
    [InlineData("3.0.2", false)]
    [InlineData(null, false)]
    public void Version_gates(string? version, bool atLeast41) =>
        Assert.Equal(atLeast41, MemberActions.AtLeast(version, 4, 1));

    [Theory]
    [InlineData("""{"loop_wait": 5, "ttl": "30", "maximum_lag_on_failover": 1048576.0, "retry_timeout": null}""", true)]
    [InlineData("""{"postgresql": {"parameters": {"work_mem": "8MB"}}, "synchronous_mode": "quorum"}""", true)]
    [InlineData("""{"loop_wait": "abc"}""", false)]
    [InlineData("""{"ttl": -1}""", false)]
    [InlineData("""{"retry_timeout": 2.5}""", false)]
    [InlineData("""{"primary_start_timeout": true}""", false)]
    public void Whole_number_settings_are_checked_before_sending(string json, bool accepted)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        var e = Record.Exception(() => ConfigValueCheck.Validate(document, "PATCH /config"));
        if (accepted)
            Assert.Null(e);
        else
            Assert.Equal("PatroniConfigurationRejected", Assert.IsType<Errors.PatroniHaException>(e).ErrorId);
    }
}
