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
    public PatroniSession? Session { get; set; }

    /// <summary>The session to use; a terminating PatroniNotConnected error when there is none.</summary>
    protected PatroniSession ResolveSession() => RequireSession(Session);
}
