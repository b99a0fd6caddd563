using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Errors;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Restart-PatroniMember, Invoke-PatroniReload, Clear-PatroniScheduledRestart: -Member names (also from the
/// pipeline), one ShouldProcess per member, then the request member by member; a refusal on one member is a
/// non-terminating error and the next member still gets its request.
/// </summary>
public abstract class PatroniMemberActionCmdlet : PatroniAdminCmdlet
{
    /// <summary>Member names as Get-PatroniTopology shows them.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string[]? Member { get; set; }

    /// <summary>
    /// A session object or the name of one; default: this runspace's default session. Not from the pipeline:
    /// what is piped here names members (Get-PatroniTopology | Restart-PatroniMember), and the requests go in EndProcessing.
    /// </summary>
    [Parameter]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public override PatroniSession? Session { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord()
    {
        if (Member is not null)
            _names.AddRange(Member);
    }

    /// <param name="activity">The progress activity.</param>
    /// <param name="choose">From the named members (all when none were named), those to act on.</param>
    /// <param name="action">The ShouldProcess action for one member.</param>
    /// <param name="act">The request for one member.</param>
    private protected void RunOnMembers(string activity, Func<ClusterSnapshot, IReadOnlyList<PatroniMember>, bool, IEnumerable<PatroniMember>> choose,
        Func<PatroniMember, string> action, Func<DrillApi, PatroniMember, CancellationToken, Task<MemberActionResult>> act)
    {
        PatroniSession session = ResolveSession();
        ClusterSnapshot cluster = ReadCluster(session);
        IReadOnlyList<PatroniMember> named;
        try
        {
            named = MemberActions.Select(cluster, _names);
        }
        catch (PatroniHaException e)
        {
            throw Terminate(ErrorRecords.From(e));
        }
        var approved = choose(cluster, named, _names.Count > 0).Where(m => ShouldProcess($"{m.Name} ({m.Role})", action(m))).ToList();
        if (approved.Count == 0)
            return;
        RunApi(session, activity, async (api, emit, progress, ct) =>
        {
            foreach (PatroniMember m in approved)
            {
                progress($"{activity}: {m.Name}");
                try
                {
                    emit(new PatroniMemberActionResult(await act(api, m, ct).ConfigureAwait(false)));
                }
                catch (PatroniHaException e) when (!ct.IsCancellationRequested)
                {
                    emit(ErrorRecords.From(e));
                }
            }
            await api.RefreshSessionAsync(ct).ConfigureAwait(false);
            return true;
        });
    }
}
