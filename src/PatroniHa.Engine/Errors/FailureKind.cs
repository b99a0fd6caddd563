namespace PatroniHa.Engine.Errors;

/// <summary>
/// What kind of failure an engine error is. The cmdlet layer maps it onto PowerShell's ErrorCategory,
/// so the engine stays free of PowerShell types.
/// </summary>
public enum FailureKind
{
    NotSpecified,
    ConnectionError,
    ResourceUnavailable,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    NotInstalled,
    ObjectNotFound,
    OperationStopped,
    OperationTimeout,
    PermissionDenied,
    AuthenticationError,
    SecurityError,
    ResourceExists,
    ResourceBusy,
    NotImplemented,
}
