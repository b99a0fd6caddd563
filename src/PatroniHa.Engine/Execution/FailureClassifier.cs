using System.Net.Sockets;
using Npgsql;

namespace PatroniHa.Engine.Execution;

/// <summary>
/// Decides what a failure means from what was sent and what came back. The rule that protects writes: once
/// sent, only an ordinary ERROR from the server proves it did not commit; a broken connection or a FATAL
/// (57P01 can arrive after a local commit that waits for a synchronous standby) does not; and a result that
/// could not be read after the server finished the statement means it ran (committed, for an autocommit write).
/// </summary>
internal static class FailureClassifier
{
    /// <summary>SQLSTATEs that say this server cannot take the statement now, so it did not run.</summary>
    private static readonly HashSet<string> NotSentStates =
    [
        "25006", // read_only_sql_transaction: a demoted primary or a replica refusing a write
        "57P03", // cannot_connect_now: starting up or shutting down
        "53300", // too_many_connections
    ];

    private static readonly HashSet<string> ConfigurationStates =
    [
        "28P01", // invalid_password
        "28000", // invalid_authorization_specification (pg_hba.conf rejects us)
        "3D000", // invalid_catalog_name: no such database
    ];

    public static FailureClass Classify(Exception ex, bool sent, CancellationToken callerToken)
    {
        if (ex is ResultUnreadableException)
            return FailureClass.ResultUnreadable;

        if (callerToken.IsCancellationRequested && ex is OperationCanceledException or NpgsqlException)
            return FailureClass.Canceled;

        // Disconnect-PatroniCluster closed the pools under us: before sending nothing ran; after, nobody knows.
        if (ex is ObjectDisposedException)
            return sent ? FailureClass.OutcomeUnknown : FailureClass.Disconnected;

        if (ex is PostgresException pg)
        {
            if (ConfigurationStates.Contains(pg.SqlState))
                return FailureClass.Configuration;
            if (NotSentStates.Contains(pg.SqlState))
                return FailureClass.NotSent;
            bool fatal = pg.Severity is "FATAL" or "PANIC";
            if (!sent)
                return FailureClass.NotSent;
            return fatal ? FailureClass.OutcomeUnknown : FailureClass.Rejected;
        }

        if (sent && IsStatementTimeout(ex))
            return FailureClass.TimedOut;

        if (ex is NpgsqlException or SocketException or IOException or TimeoutException or OperationCanceledException)
            return sent ? FailureClass.OutcomeUnknown : FailureClass.NotSent;

        // Anything else is the client's own: Npgsql converts every parameter before it writes a byte, and result
        // values that cannot be read arrive as ResultUnreadableException (above), so the server never ran it.
        return FailureClass.Rejected;
    }

    /// <summary>
    /// Npgsql's own command timeout (CommandTimeout, from -TimeoutSec) on an open connection: it cancelled the
    /// statement and broke the connection off. A slow statement, not a dead server (that fails to connect, or
    /// with a socket error).
    /// </summary>
    public static bool IsStatementTimeout(Exception ex) =>
        ex is TimeoutException or NpgsqlException { InnerException: TimeoutException };

    /// <summary>
    /// Failures on an open connection that should make the monitor look at the topology now (a role may have
    /// changed). A statement that ran past its timeout says nothing about roles: its server is alive.
    /// </summary>
    public static bool SignalsRoleChange(Exception ex) => ex switch
    {
        _ when IsStatementTimeout(ex) => false,
        PostgresException pg => pg.SqlState is "25006" or "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException or SocketException or IOException or TimeoutException => true,
        _ => false,
    };
}
