using System.Management.Automation;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>patronictl resume: Patroni manages the cluster again (fails over, restarts PostgreSQL).</summary>
[Cmdlet(VerbsLifecycle.Resume, "PatroniCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PatroniMaintenanceState))]
public sealed class ResumePatroniClusterCommand : PatroniPauseCmdlet
{
    protected override void ProcessRecord() =>
        SetPause(false, "Resume the cluster (automatic failover again)");
}
