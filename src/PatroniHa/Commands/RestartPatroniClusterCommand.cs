using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// A rolling restart: replicas one at a time (each back, streaming and caught up before the next), then the
/// leader by a switchover to a caught-up replica (or in place with -InPlace); leader first when a pending change
/// lowers a shared-memory setting. One object per step.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "PatroniCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniRollingRestartStep))]
public sealed class RestartPatroniClusterCommand : PatroniAdminCmdlet
{
    /// <summary>Only members that report a pending restart.</summary>
    [Parameter]
    public SwitchParameter PendingOnly { get; set; }

    /// <summary>Restart the leader where it is instead of switching over first (a short write outage).</summary>
    [Parameter]
    public SwitchParameter InPlace { get; set; }

    /// <summary>How long each member may take to be back and caught up.</summary>
    [Parameter]
    [ValidateRange(10, 86400)]
    public int StepTimeoutSec { get; set; } = 300;

    /// <summary>Lag limit for "caught up"; default: the cluster's maximum_lag_on_failover.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? MaxLagBytes { get; set; }

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        string what = (PendingOnly ? "Restart the members with a pending restart" : "Restart every member") +
            (InPlace ? ", the leader in place" : ", the leader after a switchover");
        if (!ShouldProcess(ChangeSupport.Describe(session, "none"), what))
            return;
        var options = new RollingRestartOptions
        {
            PendingOnly = PendingOnly,
            InPlace = InPlace,
            StepTimeout = TimeSpan.FromSeconds(StepTimeoutSec),
            MaxLagBytes = MaxLagBytes,
        };
        RunApi(session, "Rolling restart", (api, emit, progress, ct) =>
            RollingRestart.RunAsync(api, options, s => emit(new PatroniRollingRestartStep(s)), progress, ct));
    }
}
