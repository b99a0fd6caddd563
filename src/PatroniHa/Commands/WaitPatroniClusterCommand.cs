using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Waits until the cluster meets a condition (healthy, a given leader, no pending restart, paused, resumed) and
/// returns its topology; PatroniWaitTimeout with what was last seen otherwise.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "PatroniCluster")]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class WaitPatroniClusterCommand : PatroniAdminCmdlet
{
    /// <summary>Healthy (default), NoPendingRestart, Paused or Resumed.</summary>
    [Parameter(Position = 0)]
    public PatroniClusterCondition Condition { get; set; } = PatroniClusterCondition.Healthy;

    /// <summary>Also wait until this member is the running leader.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string? Leader { get; set; }

    /// <summary>Lag limit for Healthy; default: the cluster's maximum_lag_on_failover (1 MiB if unset).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? MaxLagBytes { get; set; }

    /// <summary>How long to wait.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 120;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        ClusterCondition condition = Condition switch
        {
            PatroniClusterCondition.NoPendingRestart => ClusterCondition.NoPendingRestart,
            PatroniClusterCondition.Paused => ClusterCondition.Paused,
            PatroniClusterCondition.Resumed => ClusterCondition.Resumed,
            _ => ClusterCondition.Healthy,
        };
        ClusterSnapshot after = RunApi(session, "Waiting for the Patroni cluster", (api, _, progress, ct) =>
            ClusterConditions.WaitAsync(api, condition, Leader, MaxLagBytes, TimeSpan.FromSeconds(TimeoutSec), progress, ct));
        foreach (PatroniMember m in after.Members)
            WriteObject(new PatroniMemberInfo(m, after.Scope ?? session.Scope, after));
    }
}
