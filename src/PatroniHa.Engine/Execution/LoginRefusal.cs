using Npgsql;

namespace PatroniHa.Engine.Execution;

/// <summary>
/// What a refused PostgreSQL login means: a wrong password (28P01), a pg_hba.conf refusal (28000 "no pg_hba.conf
/// entry"), or another authorization refusal (28000), each with what to do about it.
/// </summary>
internal static class LoginRefusal
{
    public const string InvalidPassword = "28P01";
    public const string InvalidAuthorization = "28000";

    /// <summary>The login was refused (PatroniAuthenticationFailed), as opposed to an unreachable server.</summary>
    public static bool IsAuthentication(Exception? ex) =>
        ex is PostgresException { SqlState: InvalidPassword or InvalidAuthorization };

    public static bool IsPgHbaRefusal(PostgresException pg) =>
        pg.SqlState == InvalidAuthorization && pg.MessageText.Contains("pg_hba.conf", StringComparison.OrdinalIgnoreCase);

    /// <summary>A sentence naming the refusal and the fix; null when <paramref name="ex"/> is not a refused login.</summary>
    public static string? Explain(Exception ex, string? user, string database)
    {
        if (ex is not PostgresException pg || !IsAuthentication(pg))
            return null;
        if (pg.SqlState == InvalidPassword)
            return $"wrong password: PostgreSQL rejected the password of user '{user}' ({pg.SqlState}: {pg.MessageText}). " +
                   "Check -Credential (PATRONI_USER / PATRONI_PASSWORD).";
        if (IsPgHbaRefusal(pg))
            return $"refused by pg_hba.conf ({pg.SqlState}: {pg.MessageText}). Add a line for this machine's address, user " +
                   $"'{user}' and database '{database}' to pg_hba.conf on that server (with Patroni: postgresql.pg_hba in " +
                   "patroni.yml) and reload it" +
                   (pg.MessageText.Contains("no encryption", StringComparison.OrdinalIgnoreCase)
                       ? "; if the server accepts only TLS connections (hostssl lines), connect with -SslMode Require or stricter."
                       : ".");
        return $"login not authorized ({pg.SqlState}: {pg.MessageText}). Check that role '{user}' may log in " +
               "(ALTER ROLE … LOGIN) and may connect to the database, and the pg_hba.conf lines that match it.";
    }
}
