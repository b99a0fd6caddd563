using System.Management.Automation;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Errors;

/// <summary>Turns engine failures into ErrorRecords with a stable ErrorId and the right category.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(PatroniHaException ex) =>
        new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target = null,
        Exception? inner = null) =>
        new(new PatroniHaException(errorId, FailureKind.NotSpecified, message, target, inner), errorId, category, target);

    public static ErrorRecord NotConnected() => Create(PatroniErrorIds.NotConnected, ErrorCategory.ConnectionError,
        "There is no Patroni session in this runspace. Connect first with Connect-PatroniCluster " +
        "(or Start-PatroniSandbox | Connect-PatroniCluster), or pass -Session.");

    public static ErrorCategory Category(FailureKind kind) => kind switch
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
        _ => ErrorCategory.NotSpecified,
    };
}
