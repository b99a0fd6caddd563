using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Errors;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>patronictl reload: POST /reload makes each member re-read patroni.yml and reload PostgreSQL.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniReload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class InvokePatroniReloadCommand : PatroniAdminCmdlet
{
    /// <summary>Members to reload; default: every member.</summary>
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
            chosen = MemberActions.Select(cluster, _names);
        }
        catch (PatroniHaException e)
        {
            throw Terminate(ErrorRecords.From(e));
        }
        var approved = chosen.Where(m => ShouldProcess(m.Name, "Reload the Patroni and PostgreSQL configuration")).ToList();
        RunApi(session, "Reloading Patroni members", async (api, emit, _, ct) =>
        {
            foreach (PatroniMember m in approved)
            {
                try
                {
                    emit(new PatroniMemberActionResult(await MemberActions.ReloadAsync(api.Client, m, ct).ConfigureAwait(false)));
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
