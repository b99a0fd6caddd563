using System.Data;
using Npgsql;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution;

/// <summary>Runs one statement on one open connection and hands rows to the sink as they arrive.</summary>
internal static class StatementRunner
{
    public static NpgsqlCommand CreateCommand(NpgsqlConnection connection, QueryRequest request)
    {
        var command = new NpgsqlCommand(request.Sql, connection) { CommandTimeout = request.TimeoutSeconds };
        foreach (var (name, value) in request.Parameters)
            command.Parameters.AddWithValue(name.TrimStart('@', ':'), value ?? DBNull.Value);
        return command;
    }

    /// <summary>Runs the statement; <paramref name="progress"/> hears just before it goes to the server and at its first row.</summary>
    public static async Task<object?> RunAsync(NpgsqlConnection connection, QueryRequest request, IRowSink? sink,
        IStatementProgress progress, CancellationToken ct)
    {
        await using NpgsqlCommand command = CreateCommand(connection, request);
        progress.OnSent();
        switch (request.Shape)
        {
            case QueryShape.Scalar:
                object? scalar = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                return scalar is DBNull ? null : scalar;
            case QueryShape.NonQuery:
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            default:
                await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(CommandBehavior.Default, ct).ConfigureAwait(false))
                {
                    await ReadRowsAsync(reader, sink, progress, ct).ConfigureAwait(false);
                    return reader.RecordsAffected;
                }
        }
    }

    /// <summary>
    /// Hands every result set's rows to the sink; one that <paramref name="isTrailer"/> claims (a statement the
    /// engine appended) is left for the caller, unread, and ends the loop.
    /// </summary>
    /// <returns>True when it stopped at a trailer.</returns>
    public static async Task<bool> ReadRowsAsync(NpgsqlDataReader reader, IRowSink? sink, IStatementProgress progress,
        CancellationToken ct, Func<NpgsqlDataReader, bool>? isTrailer = null)
    {
        int rows = 0;
        do
        {
            if (reader.FieldCount == 0)
                continue;
            if (isTrailer?.Invoke(reader) == true)
                return true;
            var names = new string[reader.FieldCount];
            for (int i = 0; i < names.Length; i++)
                names[i] = reader.GetName(i);
            sink?.OnColumns(names);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var values = new object?[names.Length];
                for (int i = 0; i < values.Length; i++)
                    values[i] = ReadValue(reader, i);
                if (rows++ == 0)
                    progress.OnFirstRow();
                sink?.OnRow(values, ct);
            }
        }
        while (await reader.NextResultAsync(ct).ConfigureAwait(false));
        return false;
    }

    private static object? ReadValue(NpgsqlDataReader reader, int i)
    {
        if (reader.IsDBNull(i))
            return null;
        try
        {
            return reader.GetValue(i);
        }
        catch (Exception ex) when (ex is InvalidCastException or NotSupportedException)
        {
            // Npgsql maps some types (regclass, …) to no .NET type and they arrive in binary: say how to get them.
            throw new InvalidCastException(
                $"Column '{reader.GetName(i)}' has type {reader.GetDataTypeName(i)}, which cannot be read as a value; " +
                $"cast it in the SQL ({reader.GetName(i)}::text).", ex);
        }
    }

    /// <summary>Fencing: a server Patroni names leader must also say it is not in recovery.</summary>
    public static async Task<bool> IsReadWriteAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ScalarAsync(connection, InRecoverySql, ct).ConfigureAwait(false) is false;

    public const string InRecoverySql = "SELECT pg_is_in_recovery()";

    /// <summary>One statement's first value on an open connection (no parameters, no retries).</summary>
    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One statement's first value on a connection of its own from <paramref name="target"/>'s pool (the
    /// session's database), outside the retry rules: for health checks and samplers that ask one server.
    /// </summary>
    public static async Task<object?> ScalarAsync(ClusterBackend backend, RouteTarget target, string sql,
        CancellationToken ct)
    {
        await using NpgsqlConnection connection = await backend.DataSource(target, null).OpenConnectionAsync(ct)
            .ConfigureAwait(false);
        return await ScalarAsync(connection, sql, ct).ConfigureAwait(false);
    }
}

/// <summary>How far a statement got; <see cref="StatementRunner.RunAsync"/> reports it as it happens.</summary>
internal interface IStatementProgress
{
    /// <summary>Just before the statement goes to the server.</summary>
    void OnSent();

    /// <summary>The first row is about to reach the sink.</summary>
    void OnFirstRow();
}
