using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// patronictl reinit: POST /reinitialize makes a replica throw away its data directory and clone it again.
/// Refused for the leader. -Wait returns when the replica streams again, or fails on a failed state.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniReinitialize", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class InvokePatroniReinitializeCommand : PatroniAdminCmdlet
{
    /// <summary>The replica to reinitialize.</summary>
    [Parameter(Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string Member { get; set; } = "";

    /// <summary>
    /// A session object or the name of one; default: this runspace's default session. Not from the pipeline:
    /// what is piped here names members (a member from Get-PatroniTopology).
    /// </summary>
    [Parameter]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public override PatroniSession? Session { get; set; }

    /// <summary>Clone from the leader rather than any member (Patroni 4.1+).</summary>
    [Parameter]
    public SwitchParameter FromLeader { get; set; }

    /// <summary>Return only when the replica runs and streams again.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits.</summary>
    [Parameter]
    [ValidateRange(5, 86400)]
    public int TimeoutSec { get; set; } = 600;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (!ShouldProcess(Member, "Reinitialize: delete the data directory and clone it again from the cluster"))
            return;
        TimeSpan? wait = Wait ? TimeSpan.FromSeconds(TimeoutSec) : null;
        bool fromLeader = FromLeader;
        WriteObject(new PatroniMemberActionResult(RunApi(session, $"Reinitializing {Member}",
            (api, _, progress, ct) => MemberActions.ReinitializeAsync(api, Member, force: false, fromLeader, wait, progress, ct))));
    }
}
