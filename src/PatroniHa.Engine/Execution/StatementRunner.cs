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

    /// <summary>
    /// Runs the statement; <paramref name="progress"/> hears just before it goes to the server and at its first
    /// row. A value Npgsql cannot read (regclass …) does not stop the statement half-way: the rest of the answer
    /// is read to its end first, so <see cref="ResultUnreadableException"/> means the server finished the
    /// statement without an error (an autocommit write committed) and only the result is lost.
    /// </summary>
    /// <param name="async">
    /// False: Npgsql's blocking calls on the calling thread (a cmdlet's first attempt: no thread hop when the
    /// server answers). <paramref name="ct"/> then cancels the command on the server, as Npgsql's async calls do,
    /// and a cancellation fails as the async calls fail (OperationCanceledException), so it is classified alike.
    /// </param>
    public static async Task<object?> RunAsync(NpgsqlConnection connection, QueryRequest request, IRowSink? sink,
        IStatementProgress progress, CancellationToken ct, bool async = true)
    {
        await using NpgsqlCommand command = CreateCommand(connection, request);
        if (!async)
            ct.ThrowIfCancellationRequested();
        using CancellationTokenRegistration cancel = async
            ? default
            : ct.UnsafeRegister(static c => ((NpgsqlCommand)c!).Cancel(), command);
        try
        {
            progress.OnSent();
            if (request.Shape == QueryShape.NonQuery)
                return async ? await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) : command.ExecuteNonQuery();

            Answer answer;
            int affected;
            NpgsqlDataReader reader = async
                ? await command.ExecuteReaderAsync(CommandBehavior.Default, ct).ConfigureAwait(false)
                : command.ExecuteReader(CommandBehavior.Default);
            try
            {
                answer = await ReadAnswerAsync(reader, request.Shape, sink, progress, ct, async: async).ConfigureAwait(false);
                affected = reader.RecordsAffected;
            }
            finally
            {
                if (async)
                    await reader.DisposeAsync().ConfigureAwait(false);
                else
                    reader.Dispose();
            }
            // Only now, with the whole answer read without a server error, is the statement known to have finished.
            answer.ThrowIfUnreadable();
            return request.Shape == QueryShape.Scalar ? answer.Scalar : affected;
        }
        catch (NpgsqlException ex) when (!async && ct.IsCancellationRequested &&
                                         ex is not PostgresException or PostgresException { SqlState: PostgresErrorCodes.QueryCanceled })
        {
            // What Npgsql's async calls throw when their token cancels the command.
            throw new OperationCanceledException("Query was cancelled", ex, ct);
        }
    }

    /// <summary>What <see cref="ReadAnswerAsync"/> read: the first value (Scalar), and a value that could not be read.</summary>
    public readonly record struct Answer(object? Scalar, Exception? Unreadable, bool StoppedAtTrailer)
    {
        public void ThrowIfUnreadable()
        {
            if (Unreadable is not null)
                throw new ResultUnreadableException(Unreadable);
        }
    }

    /// <summary>
    /// Reads every result set of an answer: rows to the sink (Rows), the first value (Scalar), nothing (NonQuery).
    /// After a value that cannot be read the rest is drained, never thrown half-way (the caller throws once the
    /// answer is complete). A result set <paramref name="isTrailer"/> claims (a statement the engine appended)
    /// is left unread and ends the loop.
    /// </summary>
    public static async Task<Answer> ReadAnswerAsync(NpgsqlDataReader reader, QueryShape shape, IRowSink? sink,
        IStatementProgress progress, CancellationToken ct, Func<NpgsqlDataReader, bool>? isTrailer = null,
        bool async = true)
    {
        Exception? unreadable = null;
        object? scalar = null;
        int rows = 0;
        do
        {
            if (reader.FieldCount == 0)
                continue;
            if (isTrailer?.Invoke(reader) == true)
                return new Answer(scalar, unreadable, true);
            var names = new string[reader.FieldCount];
            for (int i = 0; i < names.Length; i++)
                names[i] = reader.GetName(i);
            if (shape == QueryShape.Rows && unreadable is null)
                sink?.OnColumns(names);
            while (async ? await reader.ReadAsync(ct).ConfigureAwait(false) : reader.Read())
            {
                if (unreadable is not null || shape == QueryShape.NonQuery)
                    continue; // drain: the statement must finish before we can say what happened
                if (shape == QueryShape.Scalar)
                {
                    if (rows++ == 0)
                        scalar = TryReadValue(reader, 0, ref unreadable);
                    continue;
                }
                var values = new object?[names.Length];
                for (int i = 0; i < values.Length && unreadable is null; i++)
                    values[i] = TryReadValue(reader, i, ref unreadable);
                if (unreadable is not null)
                    continue;
                if (rows++ == 0)
                    progress.OnFirstRow();
                sink?.OnRow(values, ct);
            }
        }
        while (async ? await reader.NextResultAsync(ct).ConfigureAwait(false) : reader.NextResult());
        return new Answer(scalar, unreadable, false);
    }

    private static object? TryReadValue(NpgsqlDataReader reader, int i, ref Exception? unreadable)
    {
        if (reader.IsDBNull(i))
            return null;
        try
        {
            return reader.GetValue(i);
        }
        catch (Exception ex) when (ex is InvalidCastException or NotSupportedException or InvalidOperationException)
        {
            // Npgsql maps some types (regclass, …) to no .NET type and they arrive in binary: say how to get them.
            unreadable = new InvalidCastException(
                $"Column '{reader.GetName(i)}' has type {reader.GetDataTypeName(i)}, which cannot be read as a value; " +
                $"cast it in the SQL ({reader.GetName(i)}::text).", ex);
            return null;
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

/// <summary>
/// The server finished the statement without an error, but a value of its result could not be read: the
/// statement ran (an autocommit write committed); only its answer is lost.
/// </summary>
internal sealed class ResultUnreadableException(Exception cause) : Exception(cause.Message, cause);
