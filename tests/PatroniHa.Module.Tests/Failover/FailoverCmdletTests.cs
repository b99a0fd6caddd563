using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Module.Tests.Failover;

/// <summary>
/// Test-PatroniFailover, Invoke-PatroniSwitchover and Invoke-PatroniFailover against a sandbox of this class's
/// own. Every test starts by waiting for a healthy cluster, and leaves one behind.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class FailoverCmdletTests(FailoverSandbox cluster, ITestOutputHelper output) : IClassFixture<FailoverSandbox>
{
    [Fact]
    public void Readiness_passes_on_a_healthy_cluster_with_one_object_and_named_checks()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        PSObject result = ps.Ok("Test-PatroniFailover").Single();
        Assert.Equal("PatroniHa.Output.FailoverReadiness", result.BaseObject.GetType().FullName);
        Assert.Equal(true, result.Properties["Passed"].Value);
        Assert.Equal(leader, result.Properties["Leader"].Value);
        Assert.Equal(FailoverSandbox.Replicas(ps), ((string[])result.Properties["Candidates"].Value).Order().ToList());
        Assert.Equal(["Leader", "NotPaused", "EligibleReplica", "SameTimeline"],
            ps.Ok("(Test-PatroniFailover).Checks.Check").Select(o => (string)o.BaseObject));
        Assert.Equal(true, ps.Ok("(Test-PatroniFailover).Passed").Single().BaseObject);

        // A named candidate adds a check; the leader itself cannot be one.
        string replica = FailoverSandbox.Replicas(ps)[0];
        Assert.Equal(true, ps.Ok($"(Test-PatroniFailover -Candidate {replica}).Passed").Single().BaseObject);
        PSObject bad = ps.Ok($"Test-PatroniFailover -Candidate {leader}").Single();
        Assert.Equal(false, bad.Properties["Passed"].Value);
        Assert.Equal("Candidate", ps.Ok($"(Test-PatroniFailover -Candidate {leader}).Failed.Check").Single().BaseObject);
        output.WriteLine((string)bad.Properties["Verdict"].Value);
    }

    [Fact]
    public async Task Readiness_fails_the_NotPaused_check_when_the_cluster_is_paused()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        await cluster.PatchConfigAsync("""{"pause": true}""");
        try
        {
            PSObject result = null!;
            for (int i = 0; i < 50; i++)
            {
                result = ps.Ok("Test-PatroniFailover").Single();
                if (!(bool)result.Properties["Passed"].Value)
                    break;
                Thread.Sleep(200);
            }
            Assert.Equal(false, result.Properties["Passed"].Value);
            Assert.Equal(true, result.Properties["Paused"].Value);
            Assert.Equal(["NotPaused"], ps.Ok("(Test-PatroniFailover).Failed.Check").Select(o => (string)o.BaseObject));
            Assert.Contains("paused", (string)result.Properties["Verdict"].Value);

            // A drill refuses to start on a cluster that could not fail over, and says why.
            ScriptResult drill = ps.Run("Test-PatroniFailover -Switchover -Confirm:$false");
            Assert.Equal("PatroniFailoverNotReady,PatroniHa.Commands.TestPatroniFailoverCommand",
                drill.FirstError!.FullyQualifiedErrorId);
            Assert.Contains("paused", drill.FirstError.Exception.Message);
        }
        finally
        {
            await cluster.PatchConfigAsync("""{"pause": false}""");
        }
        cluster.WaitHealthy(ps);
    }

    [Fact]
    public async Task WhatIf_changes_nothing()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        string replica = FailoverSandbox.Replicas(ps)[0];
        foreach (string script in new[]
        {
            "Test-PatroniFailover -Switchover -WhatIf",
            $"Test-PatroniFailover -Switchover -Candidate {replica} -WhatIf",
            "Test-PatroniFailover -Observe -DurationSec 5 -WhatIf",
            "Invoke-PatroniSwitchover -WhatIf",
            $"Invoke-PatroniSwitchover -Candidate {replica} -WhatIf",
            $"Invoke-PatroniSwitchover -Candidate {replica} -ScheduledAt ([datetime]::Now.AddHours(1)) -WhatIf",
            $"Invoke-PatroniFailover -Candidate {replica} -WhatIf",
        })
        {
            ScriptResult r = ps.Run(script);
            Assert.Null(r.FirstError);
            Assert.Empty(r.Output);
        }
        Thread.Sleep(1500);
        Assert.Equal(leader, FailoverSandbox.Leader(ps));
        Assert.Equal(0L, ps.Ok("Invoke-PatroniQuery \"SELECT count(*) FROM pg_tables WHERE tablename LIKE 'patroniha_probe%'\" -As Scalar").Single().BaseObject);
        Assert.DoesNotContain("scheduled_switchover", await cluster.ClusterJsonAsync());
    }

    [Fact]
    public void A_switchover_drill_loses_and_duplicates_no_write_and_moves_the_leader()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        ScriptResult run = ps.Run("Test-PatroniFailover -Switchover -Confirm:$false -Verbose");
        foreach (string v in run.Verbose)
            output.WriteLine("VERBOSE: " + v);
        run.ThrowIfFailed("drill");
        PSObject r = run.Output.Single();
        Assert.Equal("PatroniHa.Output.FailoverDrillResult", r.BaseObject.GetType().FullName);
        foreach (PSPropertyInfo p in r.Properties)
            output.WriteLine($"{p.Name} = {(p.Value is string[] a ? string.Join(" | ", a) : p.Value)}");

        Assert.Equal(leader, r.Properties["OldPrimary"].Value);
        Assert.NotEqual(leader, r.Properties["NewPrimary"].Value);
        Assert.Equal(0, r.Properties["WritesLost"].Value);
        Assert.Equal(0, r.Properties["WritesDuplicated"].Value);
        Assert.Equal(0, r.Properties["WritesFailedButCommitted"].Value);
        Assert.True((int)r.Properties["WritesAcknowledged"].Value > 50);
        Assert.True((long)r.Properties["TimelineAfter"].Value > (long)r.Properties["TimelineBefore"].Value);
        Assert.True((long)r.Properties["WriteUnavailableMs"].Value > 0);
        Assert.Equal(r.Properties["NewPrimary"].Value, r.Properties["ReadBackOn"].Value);
        Assert.Equal(true, r.Properties["ProbeTableRemoved"].Value);
        Assert.Equal(true, r.Properties["Passed"].Value);
        Assert.Contains(run.Verbose, v => v.Contains("Waiting for the session's writes to resume"));

        Assert.Equal(0L, ps.Ok("Invoke-PatroniQuery \"SELECT count(*) FROM pg_tables WHERE tablename LIKE 'patroniha_probe%'\" -As Scalar").Single().BaseObject);
        Assert.Equal(r.Properties["NewPrimary"].Value, FailoverSandbox.Leader(ps));
        cluster.WaitHealthy(ps);
    }

    [Fact]
    public void Invoke_PatroniSwitchover_moves_the_leader_and_returns_the_new_topology()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        string candidate = FailoverSandbox.Replicas(ps)[^1];
        List<PSObject> members = ps.Ok($"Invoke-PatroniSwitchover -Candidate {candidate} -Confirm:$false");
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Equal("PatroniHa.Output.PatroniMemberInfo", m.BaseObject.GetType().FullName));
        Assert.Equal(candidate, members.Single(m => (string)m.Properties["Role"].Value == "Leader").Properties["Name"].Value);
        Assert.NotEqual(leader, candidate);

        // The session follows at once: the next write lands on the new leader.
        PSObject row = ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port() AS port'").Single();
        Assert.EndsWith(":" + row.Properties["port"].Value, (string)ps.Ok("(Get-PatroniSession -Default).Primary").Single().BaseObject);
        Assert.Equal(candidate, FailoverSandbox.Leader(ps));
        cluster.WaitHealthy(ps);
    }

    [Fact]
    public async Task A_scheduled_switchover_is_queued_and_announced_not_done()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        List<PSObject> result = ps.Ok(
            "$m = Invoke-PatroniSwitchover -ScheduledAt ([datetime]::Now.AddHours(2)) -Confirm:$false -InformationVariable iv; $m.Count; \"$iv\"");
        try
        {
            Assert.Equal(3, result[0].BaseObject);
            Assert.Contains("scheduled the switchover", (string)result[1].BaseObject);
            Assert.Contains("scheduled_switchover", await cluster.ClusterJsonAsync());
            Assert.Equal(leader, FailoverSandbox.Leader(ps));
        }
        finally
        {
            await cluster.DeleteScheduledSwitchoverAsync();
        }
        Assert.DoesNotContain("scheduled_switchover", await cluster.ClusterJsonAsync());
    }

    [Fact]
    public void A_bad_candidate_gives_PatroniSwitchoverFailed_with_Patronis_reason()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        ScriptResult r = ps.Run("Invoke-PatroniSwitchover -Candidate no_such_member -Confirm:$false");
        ErrorRecord e = r.FirstError!;
        Assert.Equal("PatroniSwitchoverFailed,PatroniHa.Commands.InvokePatroniSwitchoverCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Contains("HTTP 412", e.Exception.Message);
        Assert.Contains("candidate", e.Exception.Message);
        output.WriteLine(e.Exception.Message);
        Assert.Empty(r.Output);

        ScriptResult f = ps.Run("Invoke-PatroniFailover -Candidate no_such_member -Confirm:$false");
        Assert.Equal("PatroniSwitchoverFailed,PatroniHa.Commands.InvokePatroniFailoverCommand", f.FirstError!.FullyQualifiedErrorId);
        output.WriteLine(f.FirstError.Exception.Message);
        Assert.Equal(leader, FailoverSandbox.Leader(ps));
    }

    [Fact]
    public void A_single_node_session_gets_PatroniRequiresPatroniMode_and_no_session_PatroniNotConnected()
    {
        using var ps = new PowerShellSession();
        ScriptResult none = ps.Run("Test-PatroniFailover");
        Assert.Equal("PatroniNotConnected,PatroniHa.Commands.TestPatroniFailoverCommand", none.FirstError!.FullyQualifiedErrorId);

        int port = (int)ps.Ok("$sandbox.Members[0].PgPort", cluster.Variables()).Single().BaseObject;
        ps.Ok($"Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port {port} -Credential $cred", cluster.Variables());
        foreach (string script in new[] { "Test-PatroniFailover", "Invoke-PatroniSwitchover -Confirm:$false", "Invoke-PatroniFailover -Candidate n1 -Confirm:$false" })
        {
            ErrorRecord e = ps.Run(script).FirstError!;
            Assert.StartsWith("PatroniRequiresPatroniMode,", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        }
    }

    [Fact]
    public void Stopping_a_drill_like_CtrlC_removes_its_probe_table()
    {
        using var ps = cluster.Connect();
        using var observer = cluster.Connect();
        cluster.WaitHealthy(ps);
        const string count = "Invoke-PatroniQuery \"SELECT count(*) FROM pg_tables WHERE tablename LIKE 'patroniha_probe%'\" -As Scalar";
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = ps.Runspace;
        shell.AddScript("Test-PatroniFailover -Observe -DurationSec 120 -Confirm:$false");
        IAsyncResult handle = shell.BeginInvoke();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while ((long)observer.Ok(count).Single().BaseObject == 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "the drill did not create its probe table");
            Thread.Sleep(200);
        }
        Thread.Sleep(1000); // the probe is running
        sw.Restart();
        shell.Stop();
        output.WriteLine($"stopped in {sw.ElapsedMilliseconds} ms");
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(handle));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal(0L, observer.Ok(count).Single().BaseObject);
    }

    [Fact]
    public void Candidate_completes_with_member_names_replicas_first()
    {
        using var ps = cluster.Connect();
        cluster.WaitHealthy(ps);
        string leader = FailoverSandbox.Leader(ps);
        foreach (string command in new[] { "Invoke-PatroniSwitchover", "Invoke-PatroniFailover", "Test-PatroniFailover -Switchover" })
        {
            string input = $"{command} -Candidate ";
            List<string> names = ps.Ok("[System.Management.Automation.CommandCompletion]::CompleteInput($in, $in.Length, $null).CompletionMatches.CompletionText",
                new Dictionary<string, object?> { ["in"] = input }).Select(o => (string)o.BaseObject).ToList();
            Assert.Equal(3, names.Count);
            Assert.Equal(leader, names[^1]);
        }
    }
}
