using Npgsql;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution;

/// <summary>The user-facing errors a statement can end in; each message says what to do next.</summary>
internal static class QueryErrors
{
    public static PatroniHaException OutcomeUnknown(RouteTarget target, QueryRequest request, Exception cause,
        bool demoted = false) =>
        new(PatroniErrorIds.CommitOutcomeUnknown, FailureKind.ConnectionError,
            (demoted
                ? $"{target} stopped being the leader while the statement was running there, so the session broke it off; " +
                  "it may or may not have committed (on the old leader only): "
                : $"The connection to {target} broke after the statement was sent, so it may or may not have committed: ") +
            $"'{request.Summary}' ({Reason(cause)}). It was not run again, to avoid running it twice. Check whether " +
            "its effect is there before re-running it; statements that are safe to repeat can be marked -Idempotent.",
            request.Summary, cause);

    public static PatroniHaException Rejected(RouteTarget target, QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.QueryFailed, FailureKind.InvalidOperation,
            $"The statement failed on {target}: {Reason(cause)}", request.Summary, cause);

    public static PatroniHaException Canceled(QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.QueryCanceled, FailureKind.OperationStopped,
            request.ReadOnly
                ? "The query was cancelled."
                : "The statement was cancelled; if it was already running it may or may not have committed.",
            request.Summary, cause);

    public static PatroniHaException Configuration(RouteTarget target, Exception cause)
    {
        bool auth = LoginRefusal.IsAuthentication(cause);
        return new PatroniHaException(
            auth ? PatroniErrorIds.AuthenticationFailed : PatroniErrorIds.DatabaseOperationFailed,
            auth ? FailureKind.AuthenticationError : FailureKind.ObjectNotFound,
            auth
                ? $"Database operation failed: {target} refused the login ({Reason(cause)}). Verify the credentials " +
                  "(-Credential, or PATRONI_USER and PATRONI_PASSWORD) and that pg_hba.conf allows this host."
                : $"Database operation failed on {target}: {Reason(cause)}. Check the database name (-Database or PATRONI_DB).",
            target.ToString(), cause);
    }

    /// <summary>The failover timeout ran out while the statement could not be placed.</summary>
    public static PatroniHaException GaveUp(RetryableFailure last, bool write, TimeSpan failoverTimeout)
    {
        if (last.NoLeader)
        {
            return new PatroniHaException(PatroniErrorIds.NoPrimary, FailureKind.ResourceUnavailable,
                $"No primary node found in cluster (waited {failoverTimeout.TotalSeconds:0} s). Check the cluster with " +
                "`patronictl -c /etc/patroni.yml list` or Get-PatroniTopology; if there is no leader, trigger a manual " +
                "failover (Invoke-PatroniFailover -Candidate <member>). A longer -FailoverTimeoutSec " +
                "(PATRONI_FAILOVER_TIMEOUT) waits longer.", null, last.InnerException);
        }
        string role = write ? "primary" : "server";
        return new PatroniHaException(PatroniErrorIds.DatabaseOperationFailed, FailureKind.ConnectionError,
            $"Database operation failed: {Reason(last.InnerException ?? last)} (on the {role} {last.Target}, gave up after " +
            $"{failoverTimeout.TotalSeconds:0} s). Verify PostgreSQL is running there, that pg_hba.conf allows " +
            "connections from this host, and the credentials in PATRONI_USER/PATRONI_PASSWORD (-Credential).",
            last.Target?.ToString(), last.InnerException);
    }

    public static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        NpgsqlException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };
}
