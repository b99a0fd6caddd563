using System.Management.Automation;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>How the session routed its read-only queries: per member reads and skips, leader fallbacks, waits, lag and round trips.</summary>
[Cmdlet(VerbsCommon.Get, "PatroniReadStatistics")]
[OutputType(typeof(PatroniReadStatistics))]
public sealed class GetPatroniReadStatisticsCommand : PatroniPipedSessionCmdlet
{
    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        WriteObject(new PatroniReadStatistics(ReadReport.Create(session.Engine.Reads, session.Engine.Backend), session.Name));
    }
}
