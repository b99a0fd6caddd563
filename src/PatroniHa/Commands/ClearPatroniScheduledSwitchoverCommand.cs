using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>patronictl flush switchover: DELETE /switchover cancels the cluster's scheduled switchover.</summary>
[Cmdlet(VerbsCommon.Clear, "PatroniScheduledSwitchover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class ClearPatroniScheduledSwitchoverCommand : PatroniAdminCmdlet
{
    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (!ShouldProcess(ChangeSupport.Describe(session, "none"), "Cancel the scheduled switchover"))
            return;
        WriteObject(new PatroniMemberActionResult(RunApi(session, "Cancelling the scheduled switchover",
            (api, _, _, ct) => MemberActions.CancelSwitchoverAsync(api, ct))));
    }
}
