using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>The cluster's dynamic configuration (patronictl show-config), GET /config.</summary>
[Cmdlet(VerbsCommon.Get, "PatroniConfiguration")]
[OutputType(typeof(PatroniConfiguration))]
public sealed class GetPatroniConfigurationCommand : PatroniPipedSessionCmdlet
{
    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        PatroniDynamicConfig config = Run(async (_, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, null);
            return await api.GetConfigAsync(ct).ConfigureAwait(false);
        }, session.Engine);
        WriteObject(new PatroniConfiguration(config, session.Scope));
    }
}
