using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// One object per cluster member, like `patronictl list`. -Extended reads /cluster now and adds pending and
/// scheduled restarts, tags, LSNs and the cluster's pause state; -Watch redraws the table until Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PatroniTopology", DefaultParameterSetName = "List")]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class GetPatroniTopologyCommand : PatroniPipedSessionCmdlet
{
    /// <summary>The type name that selects the extended table view.</summary>
    internal const string ExtendedTypeName = "PatroniHa.Output.PatroniMemberInfo#Extended";

    /// <summary>Ask Patroni now instead of using the monitor's last view.</summary>
    [Parameter(ParameterSetName = "List")]
    public SwitchParameter Refresh { get; set; }

    /// <summary>Also show pending and scheduled restarts, tags, LSNs, pause state (read from /cluster now).</summary>
    [Parameter]
    public SwitchParameter Extended { get; set; }

    /// <summary>Redraw the table on the host every -IntervalSec until Ctrl+C; writes nothing to the pipeline.</summary>
    [Parameter(ParameterSetName = "Watch", Mandatory = true)]
    public SwitchParameter Watch { get; set; }

    [Parameter(ParameterSetName = "Watch")]
    [ValidateRange(1, 3600)]
    public int IntervalSec { get; set; } = 2;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (Watch)
        {
            WatchLoop(session);
            return;
        }
        foreach (PSObject o in Read(session))
            WriteObject(o);
    }

    private IEnumerable<PSObject> Read(PatroniSession session)
    {
        if (!Extended && !Watch)
        {
            IReadOnlyList<PatroniMember> members = Run((_, ct) => session.Engine.GetTopologyAsync(Refresh, ct), session.Engine);
            return members.Select(m => PSObject.AsPSObject(new PatroniMemberInfo(m, session.Scope)));
        }
        ClusterSnapshot snapshot = Run(async (_, ct) =>
        {
            using var api = Engine.Drills.DrillApi.For(session.Engine, null);
            return await api.GetClusterAsync(ct).ConfigureAwait(false);
        }, session.Engine);
        return snapshot.Members.Select(m =>
        {
            var o = PSObject.AsPSObject(new PatroniMemberInfo(m, snapshot.Scope ?? session.Scope, snapshot));
            if (Extended)
                o.TypeNames.Insert(0, ExtendedTypeName);
            return o;
        }).ToList();
    }

    // Like `patronictl list -W`: clear the screen and draw the table again, until Ctrl+C.
    private void WatchLoop(PatroniSession session)
    {
        while (!StopToken.IsCancellationRequested)
        {
            List<PSObject> rows = Read(session).ToList();
            string table = string.Concat(InvokeCommand.InvokeScript(
                "param($rows) $rows | Format-Table | Out-String -Width 200", true, PipelineResultTypes.None, null, rows)
                .Select(o => o.BaseObject as string));
            string clear = Host.UI.SupportsVirtualTerminal ? "\u001b[2J\u001b[H" : "";
            string paused = rows.FirstOrDefault()?.BaseObject is PatroniMemberInfo { ClusterPaused: true } ? " Maintenance mode: on" : "";
            Host.UI.Write($"{clear}{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz}{paused}{Environment.NewLine}{table}");
            if (StopToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(IntervalSec)))
                break;
        }
    }
}
