using System.Net;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Migration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Tests.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Migration;

/// <summary>
/// The migration checks on recorded Patroni payloads and hand-built facts, for what a local sandbox cannot show:
/// Patroni older than 2.0, mixed PostgreSQL major versions, a replica that runs but does not stream.
/// </summary>
public class MigrationEvaluatorTests
{
    private static readonly Uri Source = new("http://127.0.0.1:8008/");
    private static readonly ClusterOptions Options = new()
    {
        Database = "app",
        Credential = new NetworkCredential("dpg_cluster", "secret"),
    };

    [Fact]
    public void The_leaders_recorded_replication_list_is_parsed_on_3_0_2()
    {
        PatroniNodeStatus leader = PatroniJson.ParseNodeStatus(Payloads.Read("3.0.2", "patroni.json"), Source);
        Assert.Equal([("n2", "streaming"), ("n3", "streaming")],
            leader.Replication.Select(r => (r.ApplicationName, r.State)));
        Assert.Empty(PatroniJson.ParseNodeStatus(Payloads.Read("3.0.2", "patroni-replica.json"), Source).Replication);
    }

    /// <summary>The recorded 3.0.2 /config (Patroni's defaults: check_timeline unset, so off).</summary>
    private static readonly PatroniDynamicConfig RecordedConfig = PatroniJson.ParseConfig(Payloads.Read("3.0.2", "config.json"), Source);

    private static readonly PatroniDynamicConfig GuardedConfig = RecordedConfig with { CheckTimeline = true };

    [Fact]
    public void Healthy_recorded_cluster_passes()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot, Facts(snapshot, _ => "3.0.2", _ => 150018), [], Options, GuardedConfig);
        Assert.True(report.Passed, report.Verdict);
        Assert.All(report.Checks, c => Assert.Equal(CheckStatus.Passed, c.Status));
        Assert.Contains("check_timeline is on", report.Checks.Single(c => c.Check == MigrationCheckNames.CheckTimeline).Detail);
    }

    [Fact]
    public void Check_timeline_off_is_a_warning_that_says_how_to_turn_it_on()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        Assert.Null(RecordedConfig.CheckTimeline);
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot, Facts(snapshot, _ => "3.0.2", _ => 150018), [], Options, RecordedConfig);
        MigrationCheck guard = Assert.Single(report.Checks, c => c.Status != CheckStatus.Passed);
        Assert.Equal((MigrationCheckNames.CheckTimeline, MigrationCheckNames.ClusterMember, CheckStatus.Warning), (guard.Check, guard.Member, guard.Status));
        Assert.Contains("could promote a member still on the old timeline", guard.Detail);
        Assert.Contains("Set-PatroniConfiguration -Setting @{ check_timeline = $true }", guard.Detail);
        Assert.True(report.Passed, report.Verdict);
        Assert.StartsWith("Ready:", report.Verdict);
        Assert.Contains("1 warning(s)", report.Verdict);
    }

    [Fact]
    public void A_config_no_member_answered_is_a_warning_not_a_failure()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot, Facts(snapshot, _ => "3.0.2", _ => 150018), [], Options, null);
        MigrationCheck guard = Assert.Single(report.Checks, c => c.Check == MigrationCheckNames.CheckTimeline);
        Assert.Equal(CheckStatus.Warning, guard.Status);
        Assert.Contains("is unknown", guard.Detail);
        Assert.True(report.Passed, report.Verdict);
    }

    [Fact]
    public void Patroni_older_than_2_0_fails_that_member()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        string old = snapshot.Replicas.First().Name;
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot,
            Facts(snapshot, m => m == old ? "1.6.5" : "3.0.2", _ => 150018), [], Options, GuardedConfig);
        MigrationCheck failed = Assert.Single(report.Checks, c => c.Status == CheckStatus.Failed);
        Assert.Equal((MigrationCheckNames.PatroniVersion, old), (failed.Check, failed.Member));
        Assert.Contains("older than 2.0", failed.Detail);
        Assert.False(report.Passed);
        Assert.StartsWith("Not ready", report.Verdict);
    }

    [Fact]
    public void A_different_PostgreSQL_major_version_fails_that_member_against_the_leader()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        string odd = snapshot.Replicas.Last().Name;
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot,
            Facts(snapshot, _ => "3.0.2", m => m == odd ? 140011 : 150018), [], Options, GuardedConfig);
        MigrationCheck failed = Assert.Single(report.Checks, c => c.Status == CheckStatus.Failed);
        Assert.Equal((MigrationCheckNames.PostgresVersion, odd), (failed.Check, failed.Member));
        Assert.Contains($"major 14 differs from the leader {snapshot.Leader!.Name}'s 15", failed.Detail);
    }

    [Fact]
    public void A_running_replica_the_leader_does_not_stream_to_is_not_counted()
    {
        ClusterSnapshot snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), Source, DateTimeOffset.UtcNow);
        string first = snapshot.Replicas.First().Name;
        var facts = Facts(snapshot, _ => "3.0.2", _ => 150018).Select(f => f.Member.IsLeader
            ? f with { Node = f.Node! with { Replication = [new ReplicationConnection(first, "streaming", "async")] } }
            : f).ToList();
        MigrationReport report = MigrationEvaluator.Evaluate(snapshot, facts, [], Options, GuardedConfig);
        MigrationCheck replicas = Assert.Single(report.Checks, c => c.Check == MigrationCheckNames.Replicas);
        Assert.Equal(CheckStatus.Warning, replicas.Status);
        Assert.Contains("not streaming from the leader", replicas.Detail);
        Assert.True(report.Passed); // a warning, as the guide only recommends two replicas
    }

    [Theory]
    [InlineData("ruvector", "CREATE EXTENSION IF NOT EXISTS ruvector;")]
    [InlineData("uuid-ossp", "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";")]
    [InlineData("Weird\"Name", "CREATE EXTENSION IF NOT EXISTS \"Weird\"\"Name\";")]
    public void The_CREATE_EXTENSION_advice_quotes_names_that_need_it(string name, string statement) =>
        Assert.Equal(statement, MigrationEvaluator.CreateStatement(name));

    [Theory]
    [InlineData("3.0.2", 3, 0)]
    [InlineData("4.0.0rc1", 4, 0)]
    [InlineData("1.6.5", 1, 6)]
    public void Patroni_versions_parse_by_their_leading_major_and_minor(string text, int major, int minor) =>
        Assert.Equal(new Version(major, minor), MigrationEvaluator.ParsePatroniVersion(text));

    private static List<MemberFacts> Facts(ClusterSnapshot snapshot, Func<string, string> patroniVersion, Func<string, int> serverVersion) =>
        snapshot.Members.Select(m =>
        {
            var node = new PatroniNodeStatus(m.Name, "demo", patroniVersion(m.Name), "running", m.Role, m.IsLeader ? "master" : "replica",
                serverVersion(m.Name), 1, null, null, null, null, null, null, false, false, null, null, new Dictionary<string, object?>())
            {
                Replication = m.IsLeader
                    ? snapshot.Replicas.Select(r => new ReplicationConnection(r.Name, "streaming", "async")).ToList()
                    : [],
            };
            int v = serverVersion(m.Name);
            var server = new ServerFacts(v, $"{v / 10000}.{v % 100}", !m.IsLeader, false, null, []);
            return new MemberFacts(m, new Uri($"http://{m.Host}:8008/"), node, null, server, null);
        }).ToList();
}
