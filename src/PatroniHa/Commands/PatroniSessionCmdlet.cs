using System.Management.Automation;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>A cmdlet that works on a session: -Session, or else this runspace's default session.</summary>
public abstract class PatroniSessionCmdlet : PatroniCmdlet
{
    /// <summary>A session object or the name of one; default: this runspace's default session.</summary>
    [Parameter]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public virtual PatroniSession? Session { get; set; }

    /// <summary>The session to use; a terminating PatroniNotConnected error when there is none.</summary>
    protected PatroniSession ResolveSession() => RequireSession(Session);
}

/// <summary>
/// A session cmdlet with no other pipeline input: -Session also binds from the pipeline, a session object or name
/// (<c>Get-PatroniSession | Get-PatroniTopology</c>) or an object's Session property (<c>Get-PatroniHealth</c>'s).
/// Each such cmdlet resolves the session in ProcessRecord, so every piped session gets its own run.
/// </summary>
public abstract class PatroniPipedSessionCmdlet : PatroniSessionCmdlet
{
    /// <summary>A session object or the name of one, also from the pipeline; default: this runspace's default session.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public override PatroniSession? Session { get; set; }
}
