using System.Diagnostics;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static PatroniHa.Module.Tests.Modes.ModeTestSupport;

namespace PatroniHa.Module.Tests.Modes;

/// <summary>
/// Switch-PatroniMode on live sessions: the seed's migration (single-node → Patroni HA) and its rollback,
/// with the cluster's leader standing in for the single server.
/// </summary>
[Collection(SandboxCollection.Name)]
public class ModeSwitchTests(SandboxFixture cluster, ITestOutputHelper output)
{
    // Runs in a second runspace on its own thread, on the SAME session object (-Session $s).
    private const string Workload = """
        $ErrorActionPreference = 'Stop'
        $writes = 0; $reads = 0
        while (-not $stop.IsSet) {
            $null = Invoke-PatroniQuery -Session $s 'INSERT INTO modes_workload (run, n) VALUES (@run, @n)' -Parameters @{ run = $run; n = $writes } -As NonQuery
            $writes++
            $null = Invoke-PatroniQuery -Session $s 'SELECT count(*) FROM modes_workload WHERE run = @run' -Parameters @{ run = $run } -ReadOnly -As Scalar
            $reads++
        }
        $writes
        $reads
        """;

    [Fact]
    public async Task Live_switch_both_ways_under_a_workload_drops_no_query_and_closes_the_old_pools()
    {
        using var folder = new TempFolder();
        string appName = "modes-live-" + Guid.NewGuid().ToString("N")[..6];
        // PGAPPNAME marks this session's connections so the old pools can be seen to close.
        string envFile = folder.Write(".env", $"""
            ENABLE_PATRONI=true
            PATRONI_HOSTS={string.Join(",", cluster.ApiEndpoints)}
            PATRONI_USER={User(cluster)}
            PATRONI_PASSWORD={cluster.Password}
            PATRONI_HEALTH_CHECK_INTERVAL=5
            PGAPPNAME={appName}
            """);
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f -Name live",
            new Dictionary<string, object?> { ["f"] = envFile }).Single();
        ps.Ok("Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS modes_workload (run text, n int, PRIMARY KEY (run, n))' -As NonQuery");
        string leader = Primary(ps);
        int leaderPort = PortOf(leader);
        int[] replicaPorts = PgPorts(cluster).Where(p => p != leaderPort).ToArray();
        Assert.Equal("patroni", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);

        // Observers: one plain session per member, to count the live session's connections there.
        using var observer = new PowerShellSession();
        foreach (int port in PgPorts(cluster))
            observer.Ok($"Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port {port} -Credential $cred -Name m{port}", cluster.Variables());
        long Connections(int port) => (long)observer.Ok(
            $"Invoke-PatroniQuery -Session m{port} -ReadOnly 'SELECT count(*) FROM pg_stat_activity WHERE application_name = @a' -Parameters @{{ a = $a }} -As Scalar",
            new Dictionary<string, object?> { ["a"] = appName }).Single().BaseObject;

        string run = Guid.NewGuid().ToString("N")[..8];
        using var stop = new ManualResetEventSlim();
        using var worker = new PowerShellSession();
        Task<ScriptResult> workload = Task.Run(() => worker.Run(Workload,
            new Dictionary<string, object?> { ["s"] = session, ["stop"] = stop, ["run"] = run }));
        Thread.Sleep(1000);
        Assert.True(Connections(replicaPorts[0]) + Connections(replicaPorts[1]) > 0, "reads should use the replicas in Patroni mode");

        // 1) Rollback to single-node while a long read runs on a replica: it finishes there, the switch waits for it.
        using var slow = new PowerShellSession();
        Task<ScriptResult> longRead = Task.Run(() => slow.Run(
            "Invoke-PatroniQuery -Session $s 'SELECT pg_sleep(2), inet_server_port() AS port, pg_is_in_recovery() AS standby' -ReadOnly",
            new Dictionary<string, object?> { ["s"] = session }));
        Thread.Sleep(500);
        var watch = Stopwatch.StartNew();
        PSObject health = ps.Ok($"Switch-PatroniMode -Mode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Confirm:$false").Single();
        watch.Stop();
        output.WriteLine($"switch to single-node took {watch.ElapsedMilliseconds} ms");
        Assert.Equal("single-node", health.Properties["Mode"].Value);
        Assert.Equal("healthy", health.Properties["Status"].Value);
        ScriptResult slowResult = await longRead;
        slowResult.ThrowIfFailed("long read");
        Assert.Equal(true, slowResult.Output.Single().Properties["standby"].Value);
        Assert.Contains((int)slowResult.Output.Single().Properties["port"].Value, replicaPorts);
        Assert.True(watch.ElapsedMilliseconds >= 900, "the switch must wait for the running query");
        Assert.Equal("SingleNode", ps.Ok("(Get-PatroniSession -Name live).Mode").Single().BaseObject);
        Assert.Equal("single-node", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);

        // The Patroni pools are closed: no connection of this session is left on the replicas.
        Assert.True(Eventually(() => replicaPorts.All(p => Connections(p) == 0), TimeSpan.FromSeconds(10)),
            "the old pools on the replicas should be closed");
        // The same calls work: -ReadOnly simply goes to the single server.
        PSObject read = ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby' -ReadOnly").Single();
        Assert.Equal(leaderPort, read.Properties["port"].Value);
        Assert.Equal(false, read.Properties["standby"].Value);
        Thread.Sleep(1000);

        // 2) Migration back to Patroni HA: the Patroni settings come from connect time (the recipe).
        health = ps.Ok("Switch-PatroniMode PatroniHa -Confirm:$false").Single();
        Assert.Equal("patroni", health.Properties["Mode"].Value);
        Assert.NotNull(health.Properties["HaCluster"].Value);
        Assert.Equal("PatroniHa", ps.Ok("(Get-PatroniSession -Name live).Mode").Single().BaseObject);
        Thread.Sleep(1000);
        PSObject replicaRead = ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS standby' -ReadOnly").Single();
        Assert.Equal(true, replicaRead.Properties["standby"].Value);

        stop.Set();
        ScriptResult result = await workload;
        result.ThrowIfFailed("workload");
        long writes = Convert.ToInt64(result.Output[0].BaseObject);
        long reads = Convert.ToInt64(result.Output[1].BaseObject);
        output.WriteLine($"workload: {writes} writes, {reads} reads, no failure");
        Assert.True(writes > 20 && reads > 20, $"the workload should have kept running ({writes} writes)");
        // Every write landed exactly once, in order, on the one leader.
        PSObject summary = ps.Ok("Invoke-PatroniQuery 'SELECT count(*) AS c, count(DISTINCT n) AS d, max(n) AS m FROM modes_workload WHERE run = @run' -Parameters @{ run = $run }",
            new Dictionary<string, object?> { ["run"] = run }).Single();
        Assert.Equal(writes, summary.Properties["c"].Value);
        Assert.Equal(writes, summary.Properties["d"].Value);
        Assert.Equal((int)(writes - 1), summary.Properties["m"].Value);
        Assert.DoesNotContain(ps.Transcript, t => t.Contains(cluster.Password, StringComparison.Ordinal));
    }

    [Fact]
    public void A_switch_that_cannot_complete_leaves_the_session_working_in_its_old_mode()
    {
        using var ps = cluster.Connect();
        int leaderPort = PortOf(Primary(ps));

        // Patroni → single-node on a port nothing listens on.
        ScriptResult unreachable = ps.Run("Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port 1 -Confirm:$false");
        Assert.StartsWith("PatroniModeSwitchFailed,", unreachable.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("stays in PatroniHa mode", unreachable.FirstError.Exception.Message);
        Assert.Contains("127.0.0.1:1", unreachable.FirstError.Exception.Message);
        Assert.Equal("PatroniHa", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
        Assert.Equal(false, ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS r'").Single().Properties["r"].Value);

        // Bad credentials for the new mode.
        var wrong = TestCredentials.Create(User(cluster), "wrong-" + Guid.NewGuid().ToString("N"));
        ScriptResult badLogin = ps.Run($"Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Credential $wrong -Confirm:$false",
            new Dictionary<string, object?> { ["wrong"] = wrong });
        Assert.StartsWith("PatroniModeSwitchFailed,", badLogin.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("password authentication failed", badLogin.FirstError.Exception.Message);
        Assert.Equal("PatroniHa", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
        Assert.Equal("patroni", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);

        // Single-node → an unreachable cluster.
        ps.Ok($"Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Confirm:$false");
        ScriptResult noCluster = ps.Run("Switch-PatroniMode PatroniHa -ApiEndpoint 127.0.0.1:1 -Confirm:$false");
        Assert.StartsWith("PatroniModeSwitchFailed,", noCluster.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("stays in SingleNode mode", noCluster.FirstError.Exception.Message);
        Assert.Contains("PatroniTopologyUnavailable", noCluster.FirstError.Exception.Message);
        Assert.Equal("SingleNode", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
        Assert.Equal(1, ps.Ok("Invoke-PatroniQuery 'SELECT 1' -As Scalar -ReadOnly").Single().BaseObject);

        // A bad setting is rejected before anything connects, and the session is untouched.
        ScriptResult badValue = ps.Run("Switch-PatroniMode PatroniHa -MinPoolSize 9 -MaxPoolSize 3 -Confirm:$false");
        Assert.StartsWith("PatroniInvalidConfiguration,", badValue.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("PATRONI_MIN_CONNECTIONS (from parameter -MinPoolSize)", badValue.FirstError.Exception.Message);
        Assert.Equal("SingleNode", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);

        // -WhatIf changes nothing.
        ps.Ok("Switch-PatroniMode PatroniHa -WhatIf");
        Assert.Equal("SingleNode", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
        Assert.DoesNotContain(ps.Transcript, t => t.Contains(cluster.Password, StringComparison.Ordinal));
    }

    [Fact]
    public void Switching_to_PatroniHa_takes_settings_from_the_switch_or_the_environment()
    {
        using var folder = new TempFolder();
        int leaderPort;
        using (var probe = cluster.Connect())
            leaderPort = PortOf(Primary(probe));

        // Connected single-node: the Patroni endpoints come as switch parameters.
        using (var ps = new PowerShellSession())
        {
            ps.Ok($"Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Credential $cred", cluster.Variables());
            Assert.Equal("single-node", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);
            ScriptResult missing = ps.Run("Switch-PatroniMode PatroniHa -Confirm:$false");
            Assert.StartsWith("PatroniInvalidConfiguration,", missing.FirstError!.FullyQualifiedErrorId);
            Assert.Contains("PATRONI_HOSTS", missing.FirstError.Exception.Message);
            Assert.Contains("-ApiEndpoint", missing.FirstError.Exception.Message);
            PSObject health = ps.Ok("Switch-PatroniMode PatroniHa -ApiEndpoint $endpoints -Confirm:$false", cluster.Variables()).Single();
            Assert.Equal("patroni", health.Properties["Mode"].Value);
            Assert.Equal(true, ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS r' -ReadOnly").Single().Properties["r"].Value);
        }

        // Connected single-node from PG* variables; the switch reads the seed's Patroni variables (.env).
        string envFile = folder.Write(".env", $"""
            ENABLE_PATRONI=false
            PGHOST=127.0.0.1
            PGPORT={leaderPort}
            PGUSER={User(cluster)}
            PGPASSWORD={cluster.Password}
            PATRONI_HOSTS={string.Join(",", cluster.ApiEndpoints)}
            PATRONI_USER={User(cluster)}
            PATRONI_PASSWORD={cluster.Password}
            """);
        using (var ps = new PowerShellSession())
        {
            ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f", new Dictionary<string, object?> { ["f"] = envFile });
            Assert.Equal("SingleNode", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
            PSObject health = ps.Ok("Switch-PatroniMode PatroniHa -Confirm:$false").Single();
            Assert.Equal("patroni", health.Properties["Mode"].Value);
            Assert.Equal("PatroniHa", ps.Ok("(Get-PatroniSession -Default).Mode").Single().BaseObject);
            // And back again: the rollback needs nothing new either (PG* from the same file).
            Assert.Equal("single-node", ps.Ok("(Switch-PatroniMode SingleNode -Confirm:$false).Mode").Single().BaseObject);
            Assert.Equal(leaderPort, ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port()' -As Scalar").Single().BaseObject);
            Assert.DoesNotContain(ps.Transcript, t => t.Contains(cluster.Password, StringComparison.Ordinal));
        }
    }
}
