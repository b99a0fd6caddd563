using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Errors;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>patronictl flush restart: DELETE /restart on members with a scheduled restart.</summary>
[Cmdlet(VerbsCommon.Clear, "PatroniScheduledRestart", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class ClearPatroniScheduledRestartCommand : PatroniAdminCmdlet
{
    /// <summary>Members whose scheduled restart to cancel; default: every member that has one.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string[]? Member { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord()
    {
        if (Member is not null)
            _names.AddRange(Member);
    }

    protected override void EndProcessing()
    {
        PatroniSession session = ResolveSession();
        ClusterSnapshot cluster = ReadCluster(session);
        IReadOnlyList<PatroniMember> chosen;
        try
        {
            chosen = _names.Count > 0 ? MemberActions.Select(cluster, _names)
                : cluster.Members.Where(m => m.ScheduledRestart is not null).ToList();
        }
        catch (PatroniHaException e)
        {
            throw Terminate(ErrorRecords.From(e));
        }
        if (chosen.Count == 0)
        {
            WriteVerbose("No member has a scheduled restart; nothing to cancel.");
            return;
        }
        var approved = chosen.Where(m => ShouldProcess(m.Name, "Cancel the scheduled restart")).ToList();
        RunApi(session, "Cancelling scheduled restarts", async (api, emit, _, ct) =>
        {
            foreach (PatroniMember m in approved)
            {
                try
                {
                    emit(new PatroniMemberActionResult(await MemberActions.CancelRestartAsync(api.Client, m, ct).ConfigureAwait(false)));
                }
                catch (PatroniHaException e) when (!ct.IsCancellationRequested)
                {
                    emit(ErrorRecords.From(e));
                }
            }
            return true;
        });
    }
}
