using System.Management.Automation;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>One object per cluster member, like `patronictl list`.</summary>
[Cmdlet(VerbsCommon.Get, "PatroniTopology")]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class GetPatroniTopologyCommand : PatroniSessionCmdlet
{
    /// <summary>Ask Patroni now instead of using the monitor's last view.</summary>
    [Parameter]
    public SwitchParameter Refresh { get; set; }

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        IReadOnlyList<PatroniMember> members = Run((_, ct) => session.Engine.GetTopologyAsync(Refresh, ct), session.Engine);
        foreach (PatroniMember member in members)
            WriteObject(new PatroniMemberInfo(member, session.Scope));
    }
}
