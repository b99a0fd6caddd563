using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>
/// patronictl flush restart: DELETE /restart on the named members, or on every member that has a scheduled
/// restart when none is named.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "PatroniScheduledRestart", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class ClearPatroniScheduledRestartCommand : PatroniMemberActionCmdlet
{
    protected override void EndProcessing() =>
        RunOnMembers("Cancelling scheduled restarts",
            (_, named, explicitly) => explicitly ? named : named.Where(m => m.ScheduledRestart is not null),
            _ => "Cancel the scheduled restart",
            (api, m, ct) => MemberActions.CancelRestartAsync(api.Client, m, ct));
}
