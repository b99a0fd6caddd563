using System.Management.Automation;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>Closes a session: stops its monitor and closes its pools.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "PatroniCluster")]
[OutputType(typeof(void))]
public sealed class DisconnectPatroniClusterCommand : PatroniCmdlet
{
    /// <summary>The session (object or name); default: this runspace's default session.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public PatroniSession? Session { get; set; }

    protected override void ProcessRecord()
    {
        // A session that is already closed may still be removed from the registry.
        PatroniSession session = RequireSession(Session, mustBeConnected: false);
        SessionRegistry.ForCurrentRunspace()!.Remove(session);
        Run(async (_, _) => await session.Engine.DisposeAsync().ConfigureAwait(false));
        WriteVerbose($"Disconnected {session.Name}.");
    }
}
