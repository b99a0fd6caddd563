namespace PatroniHa.Engine.Execution;

/// <summary>What a failure means for the statement that met it.</summary>
internal enum FailureClass
{
    /// <summary>The statement never ran where it could commit: safe to run elsewhere.</summary>
    NotSent,

    /// <summary>The server rejected the statement (bad SQL, constraint …): it did not commit; retrying won't help.</summary>
    Rejected,

    /// <summary>The connection broke after the statement was sent: it may or may not have committed.</summary>
    OutcomeUnknown,

    /// <summary>
    /// The statement ran longer than its timeout (-TimeoutSec): Npgsql cancelled it and broke the connection off.
    /// The server is alive (no role change); running it again would only time out again. A write may or may not
    /// have committed in its last moment, like <see cref="OutcomeUnknown"/>.
    /// </summary>
    TimedOut,

    /// <summary>Login refused or the database does not exist: no server will do better.</summary>
    Configuration,

    /// <summary>The caller cancelled.</summary>
    Canceled,

    /// <summary>
    /// The server finished the statement without an error but its result could not be read: an autocommit
    /// write committed. Never run again, never reported as a failed statement.
    /// </summary>
    ResultUnreadable,

    /// <summary>The session was disconnected (its pools closed) before the statement was sent.</summary>
    Disconnected,
}
