using System.Management.Automation;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Errors;

/// <summary>
/// Every ErrorRecord the cmdlets write: engine failures with their stable ErrorId and category, and the
/// cmdlet layer's own failures. The ids are a contract (scripts match on them); never rename one.
/// </summary>
internal static class ErrorRecords
{
    /// <summary>Ids the cmdlet layer raises itself (the engine's are in <see cref="PatroniErrorIds"/>).</summary>
    public const string SessionNameInUseId = "PatroniSessionNameInUse";
    public const string SandboxNotFoundId = "PatroniSandboxNotFound";
    public const string UnexpectedId = "PatroniUnexpectedError";
    public const string ConfigurationEmptyId = "PatroniConfigurationEmpty";
    public const string ReadPolicyNeedsReadOnlyId = "PatroniReadPolicyNeedsReadOnly";
    public const string QueryParameterInvalidId = "PatroniQueryParameterInvalid";

    public static ErrorRecord From(PatroniHaException ex) =>
        new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);

    public static ErrorRecord NotConnected() => Create(PatroniErrorIds.NotConnected, ErrorCategory.ConnectionError,
        "There is no Patroni session in this runspace. Connect first with Connect-PatroniCluster " +
        "(or Start-PatroniSandbox | Connect-PatroniCluster), or pass -Session.");

    /// <summary>No session of this runspace has that name; the message lists the ones it has.</summary>
    public static ErrorRecord SessionNotFound(string name)
    {
        IReadOnlyList<Sessions.PatroniSession> sessions = Sessions.SessionRegistry.ForCurrentRunspace()?.All ?? [];
        string known = sessions.Count == 0
            ? "This runspace has no session"
            : "Its sessions: " + string.Join(", ", sessions.Select(s => $"'{s.Name}'{(s.IsDefault ? " (default)" : "")}"))
              + " (Get-PatroniSession lists them)";
        return Create(PatroniErrorIds.SessionNotFound, ErrorCategory.ObjectNotFound,
            $"No session named '{name}' in this runspace. {known}; Connect-PatroniCluster -Name '{name}' creates one.",
            name);
    }

    public static ErrorRecord SessionNameInUse(string name) => Create(SessionNameInUseId, ErrorCategory.ResourceExists,
        $"A session named '{name}' already exists in this runspace. Disconnect it first " +
        $"(Disconnect-PatroniCluster -Session {name}) or choose another -Name.", name);

    public static ErrorRecord SandboxNotFound(string path) => Create(SandboxNotFoundId, ErrorCategory.ObjectNotFound,
        $"No sandbox started in this runspace lives at '{path}'. Sandboxes end with the runspace that " +
        "started them; pipe Start-PatroniSandbox's result to Stop-PatroniSandbox.", path);

    public static ErrorRecord ReadPolicyNeedsReadOnly() => Create(ReadPolicyNeedsReadOnlyId, ErrorCategory.InvalidArgument,
        "-Consistency, -MaxLagBytes, -MaxLagSec, -PreferTag, -RequireTag, -ReplicaChoice, -MaxWaitMs and -AfterLsn route " +
        "read-only queries: add -ReadOnly (writes always run on the leader).");

    /// <summary>A -Parameters value that cannot be sent (an array without one element type); nothing was sent.</summary>
    public static ErrorRecord QueryParameterInvalid(string name, string message) =>
        Create(QueryParameterInvalidId, ErrorCategory.InvalidArgument, message + " Nothing was sent.", name);

    /// <summary>A failed Switch-PatroniMode: the session keeps its old mode; the cause keeps its own id in the message.</summary>
    public static ErrorRecord ModeSwitchFailed(string session, string from, object to, PatroniHaException cause) =>
        From(new PatroniHaException(PatroniErrorIds.ModeSwitchFailed, cause.Kind,
            $"Could not switch session '{session}' to {to}; it stays in {from} mode and keeps working. " +
            $"Cause ({cause.ErrorId}): {cause.Message}", session, cause));

    public static ErrorRecord ConfigurationEmpty() => Create(ConfigurationEmptyId, ErrorCategory.InvalidArgument,
        "Nothing to change: give -Setting and/or -Parameter with at least one key (a $null value removes a key).");

    /// <summary>A failure the engine did not turn into a PatroniHaException: still a record, never a raw exception.</summary>
    public static ErrorRecord Unexpected(Exception ex) => ex is IContainsErrorRecord { ErrorRecord: { } record }
        ? record
        : new ErrorRecord(ex, UnexpectedId, ex switch
        {
            TimeoutException or OperationCanceledException => ErrorCategory.OperationTimeout,
            UnauthorizedAccessException => ErrorCategory.PermissionDenied,
            IOException => ErrorCategory.WriteError,
            _ => ErrorCategory.NotSpecified,
        }, null);

    private static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target = null) =>
        new(new PatroniHaException(errorId, FailureKind.NotSpecified, message, target), errorId, category, target);

    private static ErrorCategory Category(FailureKind kind) => kind switch
    {
        FailureKind.ConnectionError => ErrorCategory.ConnectionError,
        FailureKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.InvalidOperation => ErrorCategory.InvalidOperation,
        FailureKind.InvalidResult => ErrorCategory.InvalidResult,
        FailureKind.NotInstalled => ErrorCategory.NotInstalled,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        FailureKind.OperationTimeout => ErrorCategory.OperationTimeout,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.AuthenticationError => ErrorCategory.AuthenticationError,
        FailureKind.SecurityError => ErrorCategory.SecurityError,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.ResourceBusy => ErrorCategory.ResourceBusy,
        FailureKind.NotImplemented => ErrorCategory.NotImplemented,
        _ => ErrorCategory.NotSpecified,
    };
}
