using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Invoke-PatroniSwitchover and Invoke-PatroniFailover: confirm, ask Patroni through its REST API, wait for the
/// new leader while showing progress, then write the topology after the change.
/// </summary>
public abstract class PatroniChangeCmdlet : PatroniAdminCmdlet
{
    /// <summary>How long to wait for the members that may take over to be on the leader's timeline, then for the new leader.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSec { get; set; } = 60;

    /// <param name="action">The ShouldProcess action.</param>
    /// <param name="noLeader">How the ShouldProcess target names a missing leader.</param>
    /// <param name="activity">The progress activity.</param>
    /// <param name="change">The engine call: the REST API, a progress callback, the cancellation token.</param>
    private protected void RunChange(string action, string noLeader, string activity,
        Func<DrillApi, Action<string>, CancellationToken, Task<ChangeResult>> change)
    {
        PatroniSession session = ResolveSession();
        if (!ShouldProcess(ChangeSupport.Describe(session, noLeader), action))
            return;

        ChangeResult result = RunApi(session, activity, (api, _, progress, ct) => change(api, progress, ct));
        Report(result);
        foreach (PatroniMember m in result.After.Members)
            WriteObject(new PatroniMemberInfo(m, result.After.Scope));
    }

    private void Report(ChangeResult r)
    {
        if (r.Status == SwitchoverStatus.Scheduled)
        {
            // Shown like Write-Host: a runbook's log should say that nothing happened yet.
            WriteInformation(new HostInformationMessage
            {
                Message = $"Patroni scheduled the switchover from {r.OldLeader} for {r.ScheduledAt:yyyy-MM-dd HH:mm:ss zzz}: {r.Message}",
            }, ["PSHOST"]);
            return;
        }
        WriteVerbose($"Patroni: {r.Message} (HTTP {r.HttpStatus}). Leader {r.OldLeader ?? "none"} -> {r.NewLeader} " +
            $"in {r.Elapsed.TotalSeconds:0.0} s{(r.SettledByPolling ? ", confirmed by polling /cluster" : "")}.");
    }
}
