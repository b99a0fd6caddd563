using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Cluster;

[Collection(SandboxCollection.Name)]
public class TopologyAndRoutingTests(SandboxFixture cluster)
{
    [Fact]
    public void Piping_a_sandbox_to_Connect_gives_the_default_session()
    {
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok("$sandbox | Connect-PatroniCluster -Name piped", cluster.Variables()).Single();
        Assert.Equal("piped", session.Properties["Name"].Value);
        Assert.Equal("PatroniHa", session.Properties["Mode"].Value);
        Assert.Equal(true, session.Properties["IsDefault"].Value);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", (string)session.Properties["Primary"].Value);
        Assert.DoesNotContain(cluster.Password, session.ToString());
    }

    [Fact]
    public void Sessions_bind_from_the_pipeline_and_an_unknown_name_lists_the_known_ones()
    {
        using var ps = new PowerShellSession();
        ps.Ok("$sandbox | Connect-PatroniCluster -Name first; $sandbox | Connect-PatroniCluster -Name second", cluster.Variables());

        // Each piped session (object or name) gets its own run.
        Assert.Equal(6, ps.Ok("Get-PatroniSession | Get-PatroniTopology").Count);
        Assert.Equal("second", ps.Ok("'second' | Get-PatroniHealth").Single().Properties["Session"].Value);
        Assert.Equal("first", ps.Ok("Get-PatroniSession first | Get-PatroniHealth | Get-PatroniReadStatistics")
            .Single().Properties["Session"].Value);

        foreach (string command in new[] { "Get-PatroniTopology -Session nosuch", "Get-PatroniSession -Name nosuch" })
        {
            ErrorRecord error = ps.Run(command).FirstError!;
            Assert.StartsWith("PatroniSessionNotFound,", error.FullyQualifiedErrorId);
            Assert.Contains("'first' (default), 'second'", error.Exception.Message);
        }
    }

    [Fact]
    public void Topology_lists_every_member_with_one_leader()
    {
        using var ps = cluster.Connect();
        List<PSObject> members = ps.Ok("Get-PatroniTopology -Refresh");
        Assert.Equal(3, members.Count);
        Assert.Single(members, m => (string)m.Properties["Role"].Value == "Leader");
        Assert.Equal(2, members.Count(m => (string)m.Properties["Role"].Value is "Replica" or "SyncStandby"));
        foreach (PSObject m in members)
        {
            Assert.Equal("shared", m.Properties["Cluster"].Value);
            Assert.Equal("127.0.0.1", m.Properties["Host"].Value);
            Assert.Matches("^(running|streaming)$", (string)m.Properties["State"].Value);
            Assert.NotNull(m.Properties["Timeline"].Value);
            Assert.StartsWith("http://127.0.0.1:", (string)m.Properties["ApiUrl"].Value);
            Assert.Equal("dc1", ((System.Collections.Hashtable)m.Properties["Tags"].Value)["datacenter"]);
        }
    }

    [Fact]
    public void Writes_go_to_the_leader_and_reads_spread_over_the_replicas()
    {
        using var ps = cluster.Connect();
        string leader = (string)ps.Ok("(Get-PatroniSession -Default).Primary").Single().BaseObject;
        PSObject write = ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby'").Single();
        Assert.Equal(false, write.Properties["standby"].Value);
        Assert.EndsWith(":" + write.Properties["port"].Value, leader);

        var readPorts = new HashSet<int>();
        for (int i = 0; i < 12; i++)
        {
            PSObject read = ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby' -ReadOnly").Single();
            Assert.Equal(true, read.Properties["standby"].Value);
            readPorts.Add((int)read.Properties["port"].Value);
        }
        Assert.Equal(2, readPorts.Count);
    }

    [Fact]
    public void Parameters_are_bound_not_spliced()
    {
        using var ps = cluster.Connect();
        const string tricky = "O'Brien'); DROP TABLE pg_class; --";
        object value = ps.Ok("Invoke-PatroniQuery 'SELECT @v::text' -Parameters @{ v = $v } -As Scalar",
            new Dictionary<string, object?> { ["v"] = tricky }).Single().BaseObject;
        Assert.Equal(tricky, value);
    }

    [Theory]
    // PowerShell lists are object[] (elements PSObject-wrapped when they come from a pipeline): sent as typed arrays.
    [InlineData("@{ a = 1,2,3 }", "(@a::int[])::text", "{1,2,3}")]
    [InlineData("@{ a = @(1..3 | ForEach-Object { $_ }) }", "(@a::int[])::text", "{1,2,3}")]
    [InlineData("@{ a = 1,3000000000 }", "(@a::bigint[])::text", "{1,3000000000}")]
    [InlineData("@{ a = 'x','y' }", "(@a::text[])::text", "{x,y}")]
    [InlineData("@{ a = 1,$null,3 }", "(@a::int[])::text", "{1,NULL,3}")]
    [InlineData("@{ a = 2,4 }", "(SELECT count(*) FROM generate_series(1, 5) g WHERE g = ANY(@a))::text", "2")]
    [InlineData("@{ a = [int[]]@() }", "(@a::int[])::text", "{}")]
    public void PowerShell_arrays_bind_as_typed_arrays(string parameters, string expression, string expected)
    {
        using var ps = cluster.Connect();
        Assert.Equal(expected, ps.Ok($"Invoke-PatroniQuery 'SELECT {expression}' -Parameters {parameters} -As Scalar")
            .Single().BaseObject);
    }

    [Theory]
    [InlineData("@{ a = 1,'x' }", "mixes element types (Int32, String)")]
    [InlineData("@{ a = @() }", "is an empty array")]
    [InlineData("@{ a = $null,$null }", "holds only $null")]
    public void An_array_without_one_element_type_is_PatroniQueryParameterInvalid(string parameters, string why)
    {
        using var ps = cluster.Connect();
        ErrorRecord error = ps.Run($"Invoke-PatroniQuery 'SELECT @a::text[]' -Parameters {parameters} -As Scalar").FirstError!;
        Assert.StartsWith("PatroniQueryParameterInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("a", error.TargetObject);
        Assert.Contains(why, error.Exception.Message);
        Assert.Contains("[string[]]", error.Exception.Message);
    }

    [Fact]
    public void Scalar_NonQuery_and_Rows_shapes()
    {
        using var ps = cluster.Connect();
        ps.Ok("Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS shapes_test (id int PRIMARY KEY, note text)' -As NonQuery");
        ps.Ok("Invoke-PatroniQuery 'TRUNCATE shapes_test' -As NonQuery");
        object inserted = ps.Ok("Invoke-PatroniQuery 'INSERT INTO shapes_test SELECT g, NULL FROM generate_series(1, 5) g' -As NonQuery").Single().BaseObject;
        Assert.Equal(5, inserted);
        Assert.Equal(5L, ps.Ok("Invoke-PatroniQuery 'SELECT count(*) FROM shapes_test' -As Scalar").Single().BaseObject);
        List<PSObject> rows = ps.Ok("Invoke-PatroniQuery 'SELECT id, note FROM shapes_test ORDER BY id'");
        Assert.Equal([1, 2, 3, 4, 5], rows.Select(r => (int)r.Properties["id"].Value));
        Assert.All(rows, r => Assert.Null(r.Properties["note"].Value));
        Assert.Null(ps.Ok("Invoke-PatroniQuery 'SELECT NULL' -As Scalar").SingleOrDefault()?.BaseObject);
    }

    [Fact]
    public void Health_is_checked_against_the_servers_themselves()
    {
        using var ps = cluster.Connect();
        ps.Ok("Invoke-PatroniQuery 'SELECT 1' | Out-Null; Invoke-PatroniQuery 'SELECT 1' -ReadOnly | Out-Null");
        PSObject health = ps.Ok("Get-PatroniHealth").Single();
        Assert.Equal("patroni", health.Properties["Mode"].Value);
        var ha = (PSObject)PSObject.AsPSObject(health.Properties["HaCluster"].Value);
        Assert.Equal("healthy", ha.Properties["ClusterTopology"].Value);
        var primary = PSObject.AsPSObject(ha.Properties["Primary"].Value);
        Assert.Equal("healthy", primary.Properties["Status"].Value);
        Assert.Equal(false, primary.Properties["InRecovery"].Value);
        var replicas = ((object[])ha.Properties["Replicas"].Value).Select(PSObject.AsPSObject).ToList();
        Assert.Equal(2, replicas.Count);
        Assert.All(replicas, r => Assert.Equal(true, r.Properties["InRecovery"].Value));
        Assert.All(replicas, r => Assert.Matches(@"^127\.0\.0\.1:\d+$", (string)r.Properties["Node"].Value));
        var stats = PSObject.AsPSObject(health.Properties["Statistics"].Value);
        Assert.True((long)stats.Properties["Writes"].Value >= 1);
        Assert.True((long)stats.Properties["Reads"].Value >= 1);
        Assert.True((long)stats.Properties["TopologyRefreshes"].Value >= 1);
        Assert.Equal(0L, stats.Properties["Failovers"].Value);
    }

    [Fact]
    public void A_column_type_Npgsql_cannot_read_gets_an_error_that_says_how_to_cast_it()
    {
        using var ps = cluster.Connect();
        ScriptResult result = ps.Run("Invoke-PatroniQuery \"SELECT 'pg_class'::regclass AS rel, 42 AS n\"");
        // The server finished the statement: not "failed" (a write would have committed), only unreadable.
        Assert.StartsWith("PatroniResultUnreadable,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("rel::text", result.FirstError.Exception.Message);
        // A SELECT, even without -ReadOnly: not "the statement committed, do not run it again".
        Assert.DoesNotContain("do not run it again", result.FirstError.Exception.Message);
        Assert.Equal("pg_class", ps.Ok("Invoke-PatroniQuery \"SELECT 'pg_class'::regclass::text\" -As Scalar").Single().BaseObject);
        // An array with a NULL element is readable (int?[]), not "unreadable".
        object array = ps.Ok("Invoke-PatroniQuery 'SELECT ARRAY[1, NULL, 3]::int[] AS a'").Single().Properties["a"].Value;
        Assert.Equal(new int?[] { 1, null, 3 }, Assert.IsType<int?[]>(array is PSObject p ? p.BaseObject : array));
    }

    [Fact]
    public void A_SQL_error_is_PatroniQueryFailed_and_counted()
    {
        using var ps = cluster.Connect();
        ScriptResult result = ps.Run("Invoke-PatroniQuery 'SELEC 1'");
        Assert.StartsWith("PatroniQueryFailed,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("42601", result.FirstError.Exception.Message);
        PSObject stats = ps.Ok("(Get-PatroniHealth).Statistics").Single();
        Assert.Equal(1L, stats.Properties["Errors"].Value);
    }

    [Fact]
    public void Single_node_mode_sits_behind_the_same_cmdlets()
    {
        using var ps = new PowerShellSession();
        string primary = (string)cluster.Connect().Ok("(Get-PatroniSession -Default).Primary").Single().BaseObject;
        int port = int.Parse(primary.Split(':')[1]);
        PSObject session = ps.Ok($"Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port {port} -Credential $cred", cluster.Variables()).Single();
        Assert.Equal("SingleNode", session.Properties["Mode"].Value);
        Assert.Equal(port, ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port()' -ReadOnly -As Scalar").Single().BaseObject);
        Assert.Equal(port, ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port()' -As Scalar").Single().BaseObject);
        PSObject health = ps.Ok("Get-PatroniHealth").Single();
        Assert.Equal("single-node", health.Properties["Mode"].Value);
        Assert.Equal("healthy", health.Properties["Status"].Value);
        Assert.Single(ps.Ok("Get-PatroniTopology"));
    }

    [Fact]
    public void Unreachable_endpoints_fail_with_the_seed_message()
    {
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Connect-PatroniCluster -ApiEndpoint 127.0.0.1:1, 'http://127.0.0.1:2' -Credential $cred", cluster.Variables());
        Assert.StartsWith("PatroniTopologyUnavailable,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("Failed to discover topology from all Patroni hosts", result.FirstError.Exception.Message);
        Assert.Contains("127.0.0.1:1", result.FirstError.Exception.Message);
        Assert.Contains("127.0.0.1:2", result.FirstError.Exception.Message);
        Assert.Empty(ps.Ok("Get-PatroniSession"));
    }

    [Fact]
    public void A_wrong_password_is_an_authentication_error_that_does_not_echo_it()
    {
        using var ps = new PowerShellSession();
        const string wrong = "Wr0ng-Pa55word-for-test";
        ScriptResult result = ps.Run("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $bad",
            new Dictionary<string, object?> { ["endpoints"] = cluster.ApiEndpoints, ["bad"] = TestCredentials.Create("postgres", wrong) });
        Assert.StartsWith("PatroniAuthenticationFailed,", result.FirstError!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, result.FirstError.CategoryInfo.Category);
        Assert.DoesNotContain(ps.Transcript, line => line.Contains(wrong));
    }
}
