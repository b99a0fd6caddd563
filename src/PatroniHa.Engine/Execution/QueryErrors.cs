using Npgsql;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution;

/// <summary>The user-facing errors a statement can end in; each message says what to do next.</summary>
internal static class QueryErrors
{
    public static PatroniHaException OutcomeUnknown(RouteTarget target, QueryRequest request, Exception cause,
        bool demoted = false, bool timedOut = false) =>
        new(PatroniErrorIds.CommitOutcomeUnknown, timedOut ? FailureKind.OperationTimeout : FailureKind.ConnectionError,
            (demoted
                ? $"{target} stopped being the leader while the statement was running there, so the session broke it off; " +
                  "it may or may not have committed (on the old leader only): "
                : timedOut
                    ? $"The statement ran longer than its timeout ({Seconds(request)}, -TimeoutSec) on {target} (or the " +
                      "server stopped answering), so it was cancelled and its connection closed; it may have committed in " +
                      "its last moment: "
                    : $"The connection to {target} broke after the statement was sent, so it may or may not have committed: ") +
            $"'{request.Summary}' ({Reason(cause)}). It was not run again, to avoid running it twice. Check whether " +
            "its effect is there before re-running it; statements that are safe to repeat can be marked -Idempotent.",
            request.Summary, cause);

    /// <summary>A read ran past its timeout: cancelled, not run again (it would only time out again).</summary>
    public static PatroniHaException TimedOut(RouteTarget target, QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.QueryTimeout, FailureKind.OperationTimeout,
            $"The query ran longer than its timeout ({Seconds(request)}, -TimeoutSec) on {target} and was cancelled; it " +
            "was not run again. Give it more time (-TimeoutSec, 0 for none) or make it faster; if the server stopped " +
            "answering instead, Get-PatroniTopology shows it: " +
            $"'{request.Summary}'.", request.Summary, cause);

    private static string Seconds(QueryRequest request) => $"{request.TimeoutSeconds} s";

    /// <summary>The server finished the statement; only its result could not be read.</summary>
    public static PatroniHaException ResultUnreadable(RouteTarget target, QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.ResultUnreadable, FailureKind.InvalidResult,
            (request.ReadOnly
                ? $"The query ran on {target}, but its result could not be read: "
                : ReadingText.OnlyReads(request.Sql)
                    ? $"The query finished on {target} without an error (whatever a function it called wrote has " +
                      "COMMITTED), but its result could not be read: "
                    : $"The statement COMMITTED on {target} (the server finished it without an error), but its result " +
                      "could not be read, so do not run it again: ") +
            $"{Reason(cause)} ('{request.Summary}')",
            request.Summary, cause.InnerException ?? cause);

    /// <summary>The session was disconnected before the statement could be sent: it did not run.</summary>
    public static PatroniHaException Disconnected(QueryRequest request, Exception cause) =>
        new(PatroniErrorIds.NotConnected, FailureKind.ConnectionError,
            $"The session was disconnected before the statement was sent, so it did not run: '{request.Summary}'. " +
            "Connect again with Connect-PatroniCluster.", request.Summary, cause);

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

    /// <summary>A write finished after the lease on its leader ran out: it may have committed on a deposed leader.</summary>
    public static PatroniHaException UnconfirmedAtCommit(RouteTarget target, QueryRequest request, string why) =>
        new(PatroniErrorIds.CommitOutcomeUnknown, FailureKind.ConnectionError,
            $"The statement ran on {target}, but the session's lease on it ran out before it finished ({why}), so it " +
            $"may have committed on a leader that had already been replaced: '{request.Summary}'. It was not run " +
            "again; check whether its effect is on the current leader before re-running it.",
            request.Summary);

    /// <summary>A Strong read whose rows were already shown finished after the lease on its leader ran out.</summary>
    public static PatroniHaException StrongReadUnconfirmed(RouteTarget target, QueryRequest request, string why) =>
        new(PatroniErrorIds.LeaderUnconfirmed, FailureKind.ResourceUnavailable,
            $"The -Consistency Strong read ran on {target}, but the session's lease on it ran out before it finished " +
            $"({why}): the rows it returned may miss writes a newer leader acknowledged. Run it again: '{request.Summary}'.",
            request.Summary);

    /// <summary>The failover timeout ran out while the statement could not be placed.</summary>
    public static PatroniHaException GaveUp(RetryableFailure last, bool write, TimeSpan failoverTimeout)
    {
        if (last.Unconfirmed)
        {
            return new PatroniHaException(PatroniErrorIds.LeaderUnconfirmed, FailureKind.ResourceUnavailable,
                $"{(write ? "The write was not sent" : "The -Consistency Strong read got no answer it could vouch for")}: no leader could be confirmed within " +
                $"{failoverTimeout.TotalSeconds:0} s. Patroni names {last.Target} leader, but {last.Message}. A " +
                $"{(write ? "write" : "Strong read")} goes only to a leader whose own " +
                "Patroni confirms it holds the leader lock, so a primary whose Patroni is dead, frozen or cut off " +
                "gets none. Check that Patroni runs on that member (`curl <api_url>/primary`, `patronictl list`); a " +
                "longer -FailoverTimeoutSec waits longer.", last.Target?.ToString(), last.InnerException);
        }
        if (last.NoLeader)
        {
            return new PatroniHaException(PatroniErrorIds.NoPrimary, FailureKind.ResourceUnavailable,
                $"No primary node found in cluster (waited {failoverTimeout.TotalSeconds:0} s). Check the cluster with " +
                "`patronictl -c /etc/patroni.yml list` or Get-PatroniTopology; if there is no leader, trigger a manual " +
                "failover (Invoke-PatroniFailover -Candidate <member>). A longer -FailoverTimeoutSec " +
                "(PATRONI_FAILOVER_TIMEOUT) waits longer.", null, last.InnerException);
        }
        string role = write ? "primary" : "server";
        string check = last.InnerException is PostgresException { SqlState: "25006" }
            // Refused as read-only the whole time by a member Patroni kept naming leader: not a connection problem.
            ? "Patroni names it the leader, but its PostgreSQL refused writes as read-only the whole time: check " +
              "`SHOW default_transaction_read_only` (a database or role may have it on) and `SELECT pg_is_in_recovery()` there."
            : "Verify PostgreSQL is running there, that pg_hba.conf allows connections from this host, and the " +
              "credentials in PATRONI_USER/PATRONI_PASSWORD (-Credential).";
        return new PatroniHaException(PatroniErrorIds.DatabaseOperationFailed, FailureKind.ConnectionError,
            $"Database operation failed: {Reason(last.InnerException ?? last)} (on the {role} {last.Target}, gave up after " +
            $"{failoverTimeout.TotalSeconds:0} s). {check}", last.Target?.ToString(), last.InnerException);
    }

    /// <summary>An -Idempotent write whose earlier run's outcome is unknown, and whose later runs found no leader in time.</summary>
    public static PatroniHaException GaveUpAfterUnknownOutcome(RetryableFailure last, QueryRequest request, TimeSpan failoverTimeout) =>
        new(PatroniErrorIds.CommitOutcomeUnknown, FailureKind.ConnectionError,
            $"An earlier run of this -Idempotent write reached the server and may have committed; running it again " +
            $"gave up after {failoverTimeout.TotalSeconds:0} s ({Reason(last.InnerException ?? last)}, on " +
            $"{last.Target?.ToString() ?? "no leader"}). Check whether its effect is there; running it again is " +
            $"harmless, as -Idempotent says: '{request.Summary}'.", request.Summary, last.InnerException ?? last);

    public static string Reason(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        NpgsqlException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };
}
