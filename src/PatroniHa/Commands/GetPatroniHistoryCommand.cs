using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>The cluster's timeline history (patronictl history): one object per timeline switch, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "PatroniHistory")]
[OutputType(typeof(PatroniHistoryEntry))]
public sealed class GetPatroniHistoryCommand : PatroniPipedSessionCmdlet
{
    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        IReadOnlyList<TimelineSwitch> rows = Run(async (_, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, null);
            return await ClusterHistory.GetAsync(api, ct).ConfigureAwait(false);
        }, session.Engine);
        foreach (TimelineSwitch t in rows)
            WriteObject(new PatroniHistoryEntry(t, session.Scope));
    }
}
