using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>patronictl reload: POST /reload makes each member re-read patroni.yml and reload PostgreSQL.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniReload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class InvokePatroniReloadCommand : PatroniMemberActionCmdlet
{
    protected override void EndProcessing() =>
        RunOnMembers("Reloading Patroni members", (_, named, _) => named,
            _ => "Reload the Patroni and PostgreSQL configuration",
            (api, m, ct) => MemberActions.ReloadAsync(api.Client, m, ct));
}
