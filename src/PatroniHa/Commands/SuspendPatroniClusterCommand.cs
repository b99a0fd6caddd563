using System.Management.Automation;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>patronictl pause: Patroni stops failing over and restarting PostgreSQL by itself.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "PatroniCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMaintenanceState))]
public sealed class SuspendPatroniClusterCommand : PatroniPauseCmdlet
{
    protected override void ProcessRecord() =>
        SetPause(true, "Pause the cluster (maintenance mode: no automatic failover)");
}
