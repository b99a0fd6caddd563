using System.Net.Sockets;
using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Migration;

/// <summary>
/// Asks one member, from this machine, what the migration checks need: GET /patroni on its REST API and a login
/// to its PostgreSQL with the application's credential and database. Both at once, each bounded by the timeout,
/// so a dead or hung member costs at most that long. Never throws for the member's sake; only the caller's
/// cancellation ends it early.
/// </summary>
internal static class MemberProbe
{
    private const string ServerSql =
        "SELECT current_setting('server_version_num')::int, current_setting('server_version'), pg_is_in_recovery(), " +
        "coalesce(s.ssl, false), s.version FROM (SELECT 1) AS one LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()";

    // pg_available_extensions lists the files on this server; pg_extension what this database has created.
    private const string ExtensionSql =
        "SELECT n.name, a.name IS NOT NULL, a.default_version, e.extversion " +
        "FROM unnest(@names::text[]) WITH ORDINALITY AS n(name, i) " +
        "LEFT JOIN pg_available_extensions a ON a.name = n.name " +
        "LEFT JOIN pg_extension e ON e.extname = n.name ORDER BY n.i";

    public static async Task<MemberFacts> ProbeAsync(PatroniRestClient client, ClusterOptions options,
        PatroniMember member, IReadOnlyList<string> extensions, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        Uri? endpoint = PatroniEndpoint.FromApiUrl(member.ApiUrl);
        Task<(PatroniNodeStatus?, string?)> rest = endpoint is null
            ? Task.FromResult<(PatroniNodeStatus?, string?)>((null,
                "Patroni lists no api_url for this member, so its REST API cannot be asked."))
            : ReadNodeAsync(client, endpoint, timeout, deadline.Token, ct);
        Task<(ServerFacts?, string?)> login = LoginAsync(options, member, extensions, timeout, deadline.Token, ct);
        var (node, apiProblem) = await rest.ConfigureAwait(false);
        var (server, loginProblem) = await login.ConfigureAwait(false);
        return new MemberFacts(member, endpoint, node, apiProblem, server, loginProblem);
    }

    /// <summary>GET /patroni on <paramref name="endpoint"/>: the node's status, or why there is none.</summary>
    public static async Task<(PatroniNodeStatus?, string?)> ReadNodeAsync(PatroniRestClient client, Uri endpoint,
        TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
    {
        try
        {
            await Task.Yield();
            return (await client.GetNodeStatusAsync(endpoint, deadline).ConfigureAwait(false), null);
        }
        catch (PatroniHaException e) when (!ct.IsCancellationRequested)
        {
            return (null, e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"{endpoint} did not answer GET /patroni within {timeout.TotalSeconds:0.#} s.");
        }
    }

    private static async Task<(ServerFacts?, string?)> LoginAsync(ClusterOptions options, PatroniMember member,
        IReadOnlyList<string> extensions, TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder csb = ConnectionSettings.For(options, member.Host, member.Port, options.Database);
        int seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        // One connection, not a pool: this is a one-off look, and the login itself is what is being tested.
        csb.Pooling = false;
        csb.MinPoolSize = 0;
        csb.Timeout = Math.Min(csb.Timeout, seconds);
        csb.CommandTimeout = seconds;
        try
        {
            await Task.Yield();
            await using var connection = new NpgsqlConnection(csb.ConnectionString);
            await connection.OpenAsync(deadline).ConfigureAwait(false);
            ServerFacts server;
            await using (var command = new NpgsqlCommand(ServerSql, connection))
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(deadline).ConfigureAwait(false))
            {
                await reader.ReadAsync(deadline).ConfigureAwait(false);
                server = new ServerFacts(reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2),
                    reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4), []);
            }
            if (extensions.Count == 0)
                return (server, null);

            var found = new List<ExtensionFacts>();
            await using (var command = new NpgsqlCommand(ExtensionSql, connection))
            {
                command.Parameters.AddWithValue("names", extensions.ToArray());
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(deadline).ConfigureAwait(false);
                while (await reader.ReadAsync(deadline).ConfigureAwait(false))
                    found.Add(new ExtensionFacts(reader.GetString(0), reader.GetBoolean(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return (server with { Extensions = found }, null);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return (null, DescribeFailure(e, options, member, timeout));
        }
    }

    /// <summary>Why the login failed and what to do: refused (password, pg_hba.conf), TLS, unreachable, no answer.</summary>
    internal static string DescribeFailure(Exception e, ClusterOptions options, PatroniMember member, TimeSpan timeout)
    {
        string database = options.Database;
        if (LoginRefusal.Explain(e, options.Credential?.UserName, database) is { } refused)
            return refused;
        string reach = $"is PostgreSQL running there, and does the firewall let this machine reach port {member.Port}?";
        return e switch
        {
            PostgresException { SqlState: "3D000" } pg =>
                $"database '{database}' does not exist on this server ({pg.SqlState}: {pg.MessageText}). Create it, or " +
                "pass the application's database with -Database (PATRONI_DB).",
            PostgresException { SqlState: "57P03" } pg =>
                $"the server does not accept connections now ({pg.SqlState}: {pg.MessageText}): it is starting up or shutting down.",
            PostgresException pg => $"the login failed ({pg.SqlState}: {pg.MessageText}).",
            _ when ClusterSession.IsTlsRejection(e) =>
                $"TLS with {member.Address} failed ({QueryErrors.Reason(e)}). With -SslMode {options.Tls.SslMode} the server's " +
                "certificate must be signed by the CA in -RootCertificate (PATRONI_SSLROOTCERT) and, for VerifyFull, name this host.",
            _ when Inner<SocketException>(e) is { SocketErrorCode: SocketError.ConnectionRefused } =>
                $"nothing accepts connections at {member.Address} (connection refused): {reach}",
            _ when Inner<TimeoutException>(e) is not null || Inner<OperationCanceledException>(e) is not null =>
                $"no answer from {member.Address} within {timeout.TotalSeconds:0.#} s: {reach} (a hung server or a " +
                "firewall that drops packets looks like this).",
            _ => $"cannot log in at {member.Address} ({QueryErrors.Reason(e)}): {reach}",
        };
    }

    private static T? Inner<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T found)
                return found;
        }
        return null;
    }
}
