using System.Management.Automation;
using PatroniHa.Module.Tests.Failover;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Module.Tests.Administration;

/// <summary>A 3-node sandbox of the administration cmdlet tests' own (they pause it, restart and reload members).</summary>
public sealed class AdministrationSandbox() : IDisposable
{
    public FailoverSandbox Cluster { get; } = new("admincmd");

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// The administration cmdlets through PowerShell: happy paths, refusals with their error ids, -WhatIf that
/// changes nothing. Every test starts by waiting for a healthy cluster and leaves one behind.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class AdministrationCmdletTests(AdministrationSandbox fixture, ITestOutputHelper output)
    : IClassFixture<AdministrationSandbox>
{
    private FailoverSandbox Cluster => fixture.Cluster;

    private PowerShellSession Ready()
    {
        PowerShellSession ps = Cluster.Connect();
        ps.Ok("Wait-PatroniCluster -Condition Healthy -TimeoutSec 120 | Out-Null");
        return ps;
    }

    private static string ErrorId(ScriptResult r) => r.FirstError?.FullyQualifiedErrorId.Split(',')[0] ?? "(no error)";

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    [Fact]
    public void Reading_commands_return_their_objects()
    {
        using var ps = Ready();
        List<PSObject> members = ps.Ok("Get-PatroniTopology -Extended");
        Assert.Equal(3, members.Count);
        Assert.All(members, m =>
        {
            Assert.Equal("PatroniHa.Output.PatroniMemberInfo#Extended", m.TypeNames[0]);
            Assert.Equal(false, Prop(m, "ClusterPaused"));
            Assert.Equal(false, Prop(m, "PendingRestart"));
            Assert.Null(Prop(m, "ScheduledRestart"));
        });

        PSObject config = ps.Ok("Get-PatroniConfiguration").Single();
        Assert.Equal(10, Prop(config, "Ttl"));
        Assert.Equal(1, Prop(config, "LoopWait"));
        Assert.Equal(false, Prop(config, "Paused"));
        Assert.Contains("\"ttl\"", (string)Prop(config, "Json")!);

        ScriptResult history = ps.Run("Get-PatroniHistory");
        Assert.Null(history.FirstError);
        Assert.All(history.Output, h => Assert.Equal("PatroniHa.Output.PatroniHistoryEntry", h.BaseObject.GetType().FullName));

        List<PSObject> waited = ps.Ok("Wait-PatroniCluster -Condition Healthy -TimeoutSec 30");
        Assert.Equal(3, waited.Count);
        string leader = FailoverSandbox.Leader(ps);
        Assert.Equal(3, ps.Ok($"Wait-PatroniCluster -Leader {leader} -TimeoutSec 30").Count);

        List<PSObject> reloads = ps.Ok("Invoke-PatroniReload");
        Assert.Equal(3, reloads.Count);
        Assert.All(reloads, r =>
        {
            Assert.Equal("Reload", Prop(r, "Action"));
            Assert.Equal("Done", Prop(r, "Status"));
            Assert.Equal(202, Prop(r, "HttpStatus"));
        });
    }

    [Fact]
    public void Refusals_are_errors_with_stable_ids()
    {
        using var ps = Ready();
        string leader = FailoverSandbox.Leader(ps);
        string replica = FailoverSandbox.Replicas(ps)[0];

        Assert.Equal("PatroniMemberNotFound", ErrorId(ps.Run("Restart-PatroniMember -Member nosuchmember -Confirm:$false")));
        ScriptResult reinit = ps.Run($"Invoke-PatroniReinitialize -Member {leader} -Confirm:$false");
        Assert.Equal("PatroniReinitializeRefused", ErrorId(reinit));
        Assert.Contains("is the leader", reinit.FirstError!.Exception.Message);
        Assert.Equal("PatroniNothingScheduled", ErrorId(ps.Run($"Clear-PatroniScheduledRestart -Member {replica} -Confirm:$false")));
        Assert.Equal("PatroniNothingScheduled", ErrorId(ps.Run("Clear-PatroniScheduledSwitchover -Confirm:$false")));
        ScriptResult noSuch = ps.Run("Wait-PatroniCluster -Leader nosuchmember -TimeoutSec 60");
        Assert.Equal("PatroniMemberNotFound", ErrorId(noSuch)); // at once, not after the timeout
        Assert.Contains(replica, noSuch.FirstError!.Exception.Message);
        ScriptResult wait = ps.Run($"Wait-PatroniCluster -Leader {replica} -TimeoutSec 1");
        Assert.Equal("PatroniWaitTimeout", ErrorId(wait));
        Assert.Contains($"the leader is {leader}", wait.FirstError!.Exception.Message);
        Assert.Equal(ErrorCategory.OperationTimeout, wait.FirstError.CategoryInfo.Category);
        Assert.Equal("PatroniConfigurationEmpty", ErrorId(ps.Run("Set-PatroniConfiguration -Setting @{} -Confirm:$false")));
        ScriptResult badTtl = ps.Run("Set-PatroniConfiguration -Setting @{ loop_wait = 'abc' } -Confirm:$false");
        Assert.Equal("PatroniConfigurationRejected", ErrorId(badTtl));
        Assert.Equal(ErrorCategory.InvalidArgument, badTtl.FirstError!.CategoryInfo.Category);
        ScriptResult past = ps.Run($"Restart-PatroniMember -Member {replica} -ScheduledAt ([DateTimeOffset]::Now.AddHours(-1)) -Confirm:$false");
        Assert.Equal("PatroniScheduleInvalid", ErrorId(past));
        Assert.Equal(ErrorCategory.InvalidArgument, past.FirstError!.CategoryInfo.Category);
        ScriptResult pastSwitchover = ps.Run("Invoke-PatroniSwitchover -ScheduledAt ([DateTime]::Now.AddHours(-1)) -Confirm:$false");
        Assert.Equal("PatroniScheduleInvalid", ErrorId(pastSwitchover));
        Assert.Equal(ErrorCategory.InvalidArgument, pastSwitchover.FirstError!.CategoryInfo.Category);
        Assert.Equal("ParameterArgumentValidationError", ErrorId(ps.Run("Restart-PatroniMember -PostgresVersion 'fifteen' -Confirm:$false")));
    }

    [Fact]
    public async Task WhatIf_changes_nothing()
    {
        using var ps = Ready();
        string leader = FailoverSandbox.Leader(ps);
        string replica = FailoverSandbox.Replicas(ps)[0];
        string configBefore = (string)ps.Ok("(Get-PatroniConfiguration).Json").Single().BaseObject;
        string clusterBefore = await StateAsync(ps);

        ScriptResult set = ps.Run("Set-PatroniConfiguration -Parameter @{ max_connections = 123; work_mem = '7MB' } -Setting @{ loop_wait = 2 } -WhatIf -Verbose");
        Assert.Null(set.FirstError);
        Assert.Empty(set.Output);
        Assert.Contains(set.Verbose, v => v.Contains("postgresql.parameters.max_connections:") && v.EndsWith("-> 123 (needs a restart)"));
        Assert.Contains(set.Verbose, v => v.Contains("postgresql.parameters.work_mem:") && v.EndsWith("-> 7MB"));
        Assert.Contains(set.Verbose, v => v.StartsWith("Change loop_wait: 1 -> 2"));
        foreach (string script in new[]
                 {
                     "Set-PatroniConfiguration -Replace -Configuration @{ ttl = 30 } -Force -WhatIf",
                     "Suspend-PatroniCluster -Wait -WhatIf",
                     "Resume-PatroniCluster -WhatIf",
                     $"Restart-PatroniMember -Member {replica},{leader} -WhatIf",
                     $"Restart-PatroniMember -Member {replica} -ScheduledAt ([DateTimeOffset]::Now.AddHours(1)) -WhatIf",
                     "Restart-PatroniCluster -WhatIf",
                     $"Invoke-PatroniReinitialize -Member {replica} -Wait -WhatIf",
                     "Invoke-PatroniReload -WhatIf",
                     "Clear-PatroniScheduledSwitchover -WhatIf",
                 })
        {
            ScriptResult r = ps.Run(script);
            Assert.True(r.FirstError is null, $"{script}: {r.FirstError}");
            Assert.Empty(r.Output);
        }
        Assert.Equal(configBefore, (string)ps.Ok("(Get-PatroniConfiguration).Json").Single().BaseObject);
        Assert.Equal(clusterBefore, await StateAsync(ps));
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>What a change would show: roles, states, timelines, pause, schedules, and each postmaster's start time.</summary>
    private async Task<string> StateAsync(PowerShellSession ps)
    {
        var lines = ps.Ok("Get-PatroniTopology -Extended | ForEach-Object { '{0} {1} {2} {3} {4} {5} {6}' -f " +
            "$_.Name, $_.Role, $_.State, $_.Timeline, $_.PendingRestart, $_.ScheduledRestart, $_.ClusterPaused }")
            .Select(o => (string)o.BaseObject).Order(StringComparer.Ordinal).ToList();
        foreach (string e in Cluster.ApiEndpoints.Order())
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync(new Uri(new Uri(e), "patroni")));
            lines.Add($"{e} started {doc.RootElement.GetProperty("postmaster_start_time").GetString()}");
        }
        string state = string.Join(Environment.NewLine, lines);
        output.WriteLine(state);
        return state;
    }

    [Fact]
    public void A_scheduled_restart_shows_in_the_topology_refuses_a_second_one_and_can_be_cancelled()
    {
        using var ps = Ready();
        string replica = FailoverSandbox.Replicas(ps)[0];
        var vars = new Dictionary<string, object?> { ["at"] = DateTimeOffset.Now.AddHours(2) };
        PSObject scheduled = ps.Ok($"Restart-PatroniMember -Member {replica} -ScheduledAt $at -Confirm:$false", vars).Single();
        try
        {
            Assert.Equal("Scheduled", Prop(scheduled, "Status"));
            Assert.Equal(202, Prop(scheduled, "HttpStatus"));
            ScriptResult again = ps.Run($"Restart-PatroniMember -Member {replica} -ScheduledAt $at -Confirm:$false", vars);
            Assert.Equal("PatroniRestartAlreadyScheduled", ErrorId(again));
            Assert.Equal(ErrorCategory.ResourceExists, again.FirstError!.CategoryInfo.Category);
            PSObject shown = WaitFor(ps, $"Get-PatroniTopology -Extended | Where-Object {{ $_.Name -eq '{replica}' -and $_.ScheduledRestart }}");
            Assert.Equal(((DateTimeOffset)vars["at"]!).ToUnixTimeSeconds(), ((DateTimeOffset)Prop(shown, "ScheduledRestart")!).ToUnixTimeSeconds());
        }
        finally
        {
            PSObject cancelled = ps.Ok("Clear-PatroniScheduledRestart -Confirm:$false").Single();
            Assert.Equal("Canceled", Prop(cancelled, "Status"));
            Assert.Equal(replica, Prop(cancelled, "Member"));
        }
        WaitFor(ps, "if (-not (Get-PatroniTopology -Extended | Where-Object ScheduledRestart)) { 'none' }");
    }

    [Fact]
    public void Suspend_and_resume_wait_for_every_member_and_paused_clusters_take_no_scheduled_restart()
    {
        using var ps = Ready();
        string replica = FailoverSandbox.Replicas(ps)[0];
        PSObject paused = ps.Ok("Suspend-PatroniCluster -Wait -TimeoutSec 60 -Confirm:$false").Single();
        try
        {
            Assert.Equal(true, Prop(paused, "Paused"));
            Assert.Equal(true, Prop(paused, "Changed"));
            Assert.Equal(true, Prop(paused, "ConfirmedByAllMembers"));
            Assert.Equal(false, Prop(ps.Ok("Suspend-PatroniCluster -Confirm:$false").Single(), "Changed"));
            Assert.Equal(3, ps.Ok("Wait-PatroniCluster -Condition Paused -TimeoutSec 10").Count);
            Assert.All(ps.Ok("Get-PatroniTopology -Extended"), m => Assert.Equal(true, Prop(m, "ClusterPaused")));
            Assert.Equal("PatroniWaitTimeout", ErrorId(ps.Run("Wait-PatroniCluster -Condition Resumed -TimeoutSec 1")));
            ScriptResult schedule = ps.Run($"Restart-PatroniMember -Member {replica} -ScheduledAt ([DateTimeOffset]::Now.AddHours(1)) -Confirm:$false");
            Assert.Equal("PatroniScheduleRejectedWhilePaused", ErrorId(schedule));
            Assert.Equal("PatroniRollingRestartFailed", ErrorId(ps.Run("Restart-PatroniCluster -Confirm:$false")));
        }
        finally
        {
            PSObject resumed = ps.Ok("Resume-PatroniCluster -Wait -TimeoutSec 60").Single();
            Assert.Equal(false, Prop(resumed, "Paused"));
            Assert.Equal(true, Prop(resumed, "Changed"));
        }
        Assert.Equal(false, Prop(ps.Ok("Get-PatroniConfiguration").Single(), "Paused"));
    }

    [Fact]
    public void A_replica_restarts_now_and_a_pending_only_restart_without_pending_is_skipped()
    {
        using var ps = Ready();
        string replica = FailoverSandbox.Replicas(ps)[0];
        PSObject skipped = ps.Ok($"Restart-PatroniMember -Member {replica} -Pending -Confirm:$false").Single();
        Assert.Equal("Skipped", Prop(skipped, "Status"));
        Assert.Equal(503, Prop(skipped, "HttpStatus"));
        PSObject done = ps.Ok($"Restart-PatroniMember -Member {replica} -Role Replica -Confirm:$false").Single();
        Assert.Equal("Done", Prop(done, "Status"));
        Assert.Equal(200, Prop(done, "HttpStatus"));
        output.WriteLine($"restart took {Prop(done, "Elapsed")}: {Prop(done, "Message")}");
        Assert.Empty(ps.Ok($"Restart-PatroniMember -Member {replica} -Role Leader -Confirm:$false"));
        ps.Ok("Wait-PatroniCluster -Condition Healthy -TimeoutSec 120 | Out-Null");
    }

    [Fact]
    public void A_setting_change_applies_and_says_it_needs_no_restart()
    {
        using var ps = Ready();
        object? before = ps.Ok("(Get-PatroniConfiguration).MaximumLagOnFailover").SingleOrDefault()?.BaseObject;
        List<PSObject> changes = ps.Ok("Set-PatroniConfiguration -Setting @{ maximum_lag_on_failover = 2097152 } -Confirm:$false");
        try
        {
            PSObject c = changes.Single();
            Assert.Equal("maximum_lag_on_failover", Prop(c, "Path"));
            Assert.Equal("2097152", Prop(c, "NewValue"));
            Assert.Equal(false, Prop(c, "RestartRequired"));
            Assert.Equal(true, Prop(c, "Applied"));
            Assert.Equal(2097152L, ps.Ok("(Get-PatroniConfiguration).MaximumLagOnFailover").Single().BaseObject);
            PSObject same = ps.Ok("Set-PatroniConfiguration -Setting @{ maximum_lag_on_failover = '2097152' } -Confirm:$false").Single();
            Assert.Equal("Unchanged", Prop(same, "Change"));
            Assert.Equal(false, Prop(same, "Applied"));
        }
        finally
        {
            ps.Ok("Set-PatroniConfiguration -Setting @{ maximum_lag_on_failover = $v } -Confirm:$false",
                new Dictionary<string, object?> { ["v"] = before });
        }
        Assert.Equal(before, ps.Ok("(Get-PatroniConfiguration).MaximumLagOnFailover").SingleOrDefault()?.BaseObject);
    }

    private static PSObject WaitFor(PowerShellSession ps, string script)
    {
        for (int i = 0; i < 60; i++)
        {
            if (ps.Run(script).Output.FirstOrDefault() is { } found)
                return found;
            Thread.Sleep(500);
        }
        throw new TimeoutException("never true: " + script);
    }
}
