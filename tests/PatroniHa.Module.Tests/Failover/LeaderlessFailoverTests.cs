using System.Diagnostics;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Module.Tests.Failover;

/// <summary>Tests that break their cluster for good: each starts its own sandbox and stops it.</summary>
[Collection(FailoverCollection.Name)]
public sealed class LeaderlessFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Invoke_PatroniFailover_elects_the_candidate_in_a_paused_leaderless_cluster()
    {
        using var cluster = new FailoverSandbox("leaderless");
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        string candidate = FailoverSandbox.Replicas(ps)[^1];

        await cluster.PatchConfigAsync("""{"pause": true}""");
        WaitFor(() => (bool)ps.Ok("(Test-PatroniFailover).Paused").Single().BaseObject, "paused");
        var sw = Stopwatch.StartNew();
        cluster.KillMember(leader);
        // Paused: Patroni elects nobody when the leader key expires (ttl 10 s).
        WaitFor(() => !cluster.ClusterJsonAsync().Result.Contains("\"role\": \"leader\""), "leaderless", 60);
        output.WriteLine($"leaderless {sw.Elapsed.TotalSeconds:0.0} s after killing {leader}");

        PSObject ready = ps.Ok("Test-PatroniFailover").Single();
        Assert.Equal(false, ready.Properties["Passed"].Value);
        Assert.Equal(["Leader", "NotPaused"], ps.Ok("(Test-PatroniFailover).Failed.Check").Select(o => (string)o.BaseObject));
        output.WriteLine((string)ready.Properties["Verdict"].Value);

        // A switchover needs a leader: the error says what to do instead.
        ScriptResult noLeader = ps.Run($"Invoke-PatroniSwitchover -Candidate {candidate} -Confirm:$false");
        Assert.Equal("PatroniNoPrimary,PatroniHa.Commands.InvokePatroniSwitchoverCommand", noLeader.FirstError!.FullyQualifiedErrorId);
        Assert.Contains("Invoke-PatroniFailover", noLeader.FirstError.Exception.Message);

        ScriptResult run = ps.Run($"Invoke-PatroniFailover -Candidate {candidate} -Confirm:$false -Verbose");
        foreach (string v in run.Verbose)
            output.WriteLine("VERBOSE: " + v);
        run.ThrowIfFailed("failover");
        Assert.Equal(candidate, run.Output.Single(m => (string)m.Properties["Role"].Value == "Leader").Properties["Name"].Value);

        // The session writes on the new leader straight away.
        PSObject row = ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby'").Single();
        Assert.Equal(false, row.Properties["standby"].Value);
        Assert.EndsWith(":" + row.Properties["port"].Value, (string)ps.Ok("(Get-PatroniSession -Default).Primary").Single().BaseObject);
        await cluster.PatchConfigAsync("""{"pause": false}""");
    }

    [Fact]
    public async Task An_observed_kill_of_the_primary_in_synchronous_mode_loses_no_acknowledged_write()
    {
        using var cluster = new FailoverSandbox("observe", synchronous: true);
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps, candidates: 1); // synchronous mode promotes only the synchronous standby
        string leader = FailoverSandbox.Leader(ps);

        Task<ScriptResult> drill = Task.Run(() => ps.Run("Test-PatroniFailover -Observe -DurationSec 25 -Confirm:$false -Verbose"));
        Thread.Sleep(6000); // probe table, replication, baseline
        Assert.False(drill.IsCompleted, "the drill ended early");
        cluster.KillMember(leader);
        output.WriteLine($"killed {leader}");
        ScriptResult run = await drill;
        foreach (string v in run.Verbose.Where(v => !v.StartsWith("Observing", StringComparison.Ordinal)))
            output.WriteLine("VERBOSE: " + v);
        run.ThrowIfFailed("observe drill");
        PSObject r = run.Output.Single();
        foreach (PSPropertyInfo p in r.Properties)
            output.WriteLine($"{p.Name} = {(p.Value is string[] a ? string.Join(" | ", a) : p.Value)}");

        Assert.Equal("Observe", r.Properties["Kind"].Value);
        Assert.Equal(leader, r.Properties["OldPrimary"].Value);
        Assert.NotEqual(leader, r.Properties["NewPrimary"].Value);
        Assert.Equal(0, r.Properties["WritesLost"].Value);
        Assert.Equal(0, r.Properties["WritesDuplicated"].Value);
        Assert.Equal(true, r.Properties["WritesResumed"].Value);
        Assert.Equal(true, r.Properties["ProbeTableRemoved"].Value);
        Assert.Equal(true, r.Properties["Passed"].Value);
    }

    private static void WaitFor(Func<bool> condition, string what, int seconds = 20)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"Not {what} after {seconds} s.");
            Thread.Sleep(250);
        }
    }
}
