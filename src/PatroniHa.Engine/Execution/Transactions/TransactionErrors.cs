using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>The user-facing errors of a transaction; each says whether anything committed.</summary>
internal static class TransactionErrors
{
    public static PatroniHaException ControlRefused(string keyword, QueryRequest request) =>
        new(PatroniErrorIds.TransactionControlRefused, FailureKind.InvalidOperation,
            $"'{keyword}' is not allowed inside Invoke-PatroniTransaction: the module begins and commits the " +
            "transaction itself (and may run it again). Remove it; use SAVEPOINT / ROLLBACK TO SAVEPOINT for partial " +
            $"undo. Nothing was sent and the transaction was rolled back: '{request.Summary}'.", request.Summary);

    /// <summary>Transaction control in a plain statement: a BEGIN left open or a COMMIT half-way would make its answer wrong.</summary>
    public static PatroniHaException ControlInStatement(string keyword, QueryRequest request) =>
        new(PatroniErrorIds.TransactionControlRefused, FailureKind.InvalidOperation,
            $"'{keyword}' is not run by Invoke-PatroniQuery, which runs each statement in a transaction of its own: a " +
            "BEGIN left open is rolled back when the connection goes back to the pool (a write reported done, then " +
            "lost), and a COMMIT half-way commits part of the text whatever the rest does. Run transactions with " +
            "Invoke-PatroniTransaction (it begins and commits them, and re-runs them only when they provably did not " +
            $"commit); a read-only snapshot can use -ReadOnly. Nothing was sent: '{request.Summary}'.", request.Summary);

    public static PatroniHaException Rejected(RouteTarget target, QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.QueryFailed, FailureKind.InvalidOperation,
            $"The statement failed on {target}: {QueryErrors.Reason(cause)}. The transaction was rolled back; " +
            $"nothing of it committed ('{request.Summary}').", request.Summary, cause);

    public static PatroniHaException Unreadable(RouteTarget target, QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.QueryFailed, FailureKind.InvalidResult,
            $"A result of the transaction on {target} could not be read: {QueryErrors.Reason(cause)} The transaction " +
            $"was rolled back; nothing of it committed ('{request.Summary}').", request.Summary, cause.InnerException ?? cause);

    public static PatroniHaException CommitRejected(RouteTarget target, Exception cause, int attempts) =>
        new(PatroniErrorIds.QueryFailed, FailureKind.InvalidOperation,
            $"COMMIT was refused on {target}: {QueryErrors.Reason(cause)}. Nothing of the transaction committed" +
            (attempts > 1 ? $" (attempt {attempts})." : "."), target.ToString(), cause);

    /// <summary>A failure that proves nothing committed, after the last allowed attempt.</summary>
    public static PatroniHaException GaveUp(PatroniHaException last, int attempts) =>
        new(last.ErrorId, last.Kind,
            $"{last.Message} Nothing of the transaction committed; it ran {attempts} time(s), the most -MaxAttempts allows.",
            last.Target, last.InnerException ?? last);

    public static PatroniHaException Interrupted(RouteTarget target, QueryRequest request, Exception cause, bool demoted) =>
        new(PatroniErrorIds.DatabaseOperationFailed, FailureKind.ConnectionError,
            (demoted ? $"{target} stopped being the leader during the transaction" : $"The connection to {target} broke during the transaction") +
            $" ({QueryErrors.Reason(cause)}), before COMMIT was sent, so nothing of it committed; the whole transaction " +
            $"is run again on the leader ('{request.Summary}').", request.Summary, cause);

    /// <summary>A statement (or COMMIT) ran past -TimeoutSec and the transaction provably did not commit; not run again.</summary>
    public static PatroniHaException TimedOut(RouteTarget target, QueryRequest request, Exception cause, string outcome) =>
        new(PatroniErrorIds.QueryTimeout, FailureKind.OperationTimeout,
            $"'{request.Summary}' ran longer than its timeout (-TimeoutSec) on {target} (or the server stopped answering) and was cancelled, " +
            $"{outcome}; the transaction was rolled back and not run again (it would only time out again). Give it more " +
            "time (-TimeoutSec, 0 for none) or make it faster.", request.Summary, cause);

    public static PatroniHaException AlreadyFailed(PatroniHaException first, QueryRequest request) =>
        new(first.ErrorId, first.Kind,
            $"The transaction already failed, so '{request.Summary}' was not sent: {first.Message}", request.Summary, first);

    public static PatroniHaException OutcomeUnknown(RouteTarget target, Exception cause, Guid? marker, string? detail) =>
        new(PatroniErrorIds.CommitOutcomeUnknown, FailureKind.ConnectionError,
            $"The connection to {target} broke after COMMIT was sent, so the transaction may or may not have committed " +
            $"({QueryErrors.Reason(cause)}). It was not run again. " +
            (marker is { } m
                ? $"Its outcome could not be settled in time ({detail}): it committed if and only if {CommitMarkers.Table} " +
                  $"on the leader holds token '{m}' with tombstone = false (kept {CommitMarkers.Retention.TotalHours:0} h); " +
                  "no row or tombstone = true means it did not."
                : "Check whether its effect is there before running it again, or connect with -TrackCommitOutcome to have " +
                  "the module settle such outcomes."),
            target.ToString(), cause);

    public static PatroniHaException NotCommitted(RouteTarget target, QueryRequest request, Guid marker) =>
        new(PatroniErrorIds.NotCommitted, FailureKind.ConnectionError,
            $"The connection to {target} broke during COMMIT; the session checked on the leader that the write did NOT " +
            $"commit (marker '{marker}'), but it was not run again because some of its rows had already reached the " +
            $"pipeline. It is safe to run it again: '{request.Summary}'.", request.Summary);
}
