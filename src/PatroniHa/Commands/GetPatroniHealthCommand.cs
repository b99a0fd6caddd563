using System.Management.Automation;
using PatroniHa.Engine.Health;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>The seed's health_check(): every server asked directly, plus the session's statistics.</summary>
[Cmdlet(VerbsCommon.Get, "PatroniHealth")]
[OutputType(typeof(PatroniHealth))]
public sealed class GetPatroniHealthCommand : PatroniPipedSessionCmdlet
{
    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        HealthReport report = Run((_, ct) => session.Engine.GetHealthAsync(ct), session.Engine);
        WriteObject(new PatroniHealth(report, session.Name));
    }
}
