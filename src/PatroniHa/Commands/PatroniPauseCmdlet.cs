using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>Suspend-/Resume-PatroniCluster: maintenance mode on or off, optionally until every member reports it.</summary>
public abstract class PatroniPauseCmdlet : PatroniAdminCmdlet
{
    /// <summary>Return only when every member's own Patroni reports the new state.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 60;

    private protected void SetPause(bool paused, string action)
    {
        PatroniSession session = ResolveSession();
        if (!ShouldProcess(ChangeSupport.Describe(session, "none"), action))
            return;
        TimeSpan? wait = Wait ? TimeSpan.FromSeconds(TimeoutSec) : null;
        bool was = RunApi(session, paused ? "Pausing the Patroni cluster" : "Resuming the Patroni cluster",
            (api, _, progress, ct) => ClusterConfiguration.SetPauseAsync(api, paused, wait, progress, ct));
        if (was == paused)
            WriteVerbose($"The cluster was {(paused ? "paused" : "not paused")} already; the configuration was not changed.");
        WriteObject(new PatroniMaintenanceState(session.Scope, paused, was, confirmed: Wait));
    }
}
