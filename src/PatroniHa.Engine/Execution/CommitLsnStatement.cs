using System.Data;
using Npgsql;
using PatroniHa.Engine.Routing.Reads;

namespace PatroniHa.Engine.Execution;

/// <summary>
/// Runs a write and learns an LSN at or after its commit record in the same round trip: a batch of the
/// statement, an error barrier (a Sync: the statement's implicit transaction commits there) and
/// <c>SELECT pg_current_wal_insert_lsn()</c>. Read inside the statement's own transaction the position would
/// be before the commit record. A statement Npgsql cannot put in a batch (several statements in one text)
/// runs as usual and the position is read with a round trip of its own afterwards.
/// </summary>
internal static class CommitLsnStatement
{
    /// <summary>The trailer's column name: distinct enough never to be a user's result set.</summary>
    private const string Column = "patroniha_commit_lsn";
    private const string TrailerSql = "SELECT pg_current_wal_insert_lsn()::text AS " + Column;

    public static async Task<(object? Value, Lsn? CommitLsn, bool ExtraRoundTrip)> RunAsync(NpgsqlConnection connection,
        QueryRequest request, IRowSink? sink, IStatementProgress progress, CancellationToken ct)
    {
        if (LooksLikeSeveralStatements(request.Sql))
        {
            object? value = await StatementRunner.RunAsync(connection, request, sink, progress, ct).ConfigureAwait(false);
            // Nothing may fail the write from here on: it committed.
            Lsn? lsn = null;
            try
            {
                if (await StatementRunner.ScalarAsync(connection, TrailerSql, ct).ConfigureAwait(false) is string text &&
                    Lsn.TryParse(text, out Lsn parsed))
                    lsn = parsed;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
            {
                // Unknown position: reads after it cannot be promised to see it (the session keeps its older one).
            }
            return (value, lsn, true);
        }

        await using var batch = new NpgsqlBatch(connection);
        // A trailing ';' would make the batch command look like two statements to Npgsql.
        var statement = new NpgsqlBatchCommand(request.Sql.TrimEnd().TrimEnd(';')) { AppendErrorBarrier = true };
        foreach (var (name, value) in request.Parameters)
            statement.Parameters.AddWithValue(name.TrimStart('@', ':'), value ?? DBNull.Value);
        batch.BatchCommands.Add(statement);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TrailerSql));
        batch.Timeout = request.TimeoutSeconds;

        progress.OnSent();
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(CommandBehavior.Default, ct).ConfigureAwait(false);
        object? result;
        switch (request.Shape)
        {
            case QueryShape.Scalar:
                result = null;
                if (reader.FieldCount > 0 && !IsTrailer(reader) && await reader.ReadAsync(ct).ConfigureAwait(false))
                    result = reader.IsDBNull(0) ? null : reader.GetValue(0);
                break;
            default:
                await StatementRunner.ReadRowsAsync(reader, request.Shape == QueryShape.Rows ? sink : null, progress, ct, IsTrailer)
                    .ConfigureAwait(false);
                result = null;
                break;
        }
        Lsn? commit = await ReadTrailerAsync(reader, ct).ConfigureAwait(false);
        if (request.Shape != QueryShape.Scalar)
            result = checked((int)statement.RecordsAffected);
        return (result, commit, false);
    }

    private static bool IsTrailer(NpgsqlDataReader reader) => reader.FieldCount == 1 && reader.GetName(0) == Column;

    private static async Task<Lsn?> ReadTrailerAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        while (!IsTrailer(reader))
        {
            if (!await reader.NextResultAsync(ct).ConfigureAwait(false))
                return null;
        }
        if (!await reader.ReadAsync(ct).ConfigureAwait(false) || reader.IsDBNull(0))
            return null;
        return Lsn.TryParse(reader.GetString(0), out Lsn lsn) ? lsn : null;
    }

    /// <summary>
    /// True when the text has a ';' outside quotes, comments and dollar quotes followed by more SQL: Npgsql
    /// refuses several statements in one batch command. Unclosed quotes count as "several" (a round trip more,
    /// never a wrong position).
    /// </summary>
    internal static bool LooksLikeSeveralStatements(string sql)
    {
        int i = 0;
        bool ended = false;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (ended && !char.IsWhiteSpace(c) && c != ';')
                return true;
            switch (c)
            {
                case ';':
                    ended = true;
                    i++;
                    break;
                case '\'' or '"':
                    // E'..' strings may escape the quote with a backslash; standard strings and identifiers double it.
                    bool backslash = c == '\'' && i > 0 && sql[i - 1] is 'E' or 'e';
                    i++;
                    while (true)
                    {
                        if (i >= sql.Length)
                            return true;
                        if (backslash && sql[i] == '\\')
                            i += 2;
                        else if (sql[i] == c && i + 1 < sql.Length && sql[i + 1] == c)
                            i += 2;
                        else if (sql[i++] == c)
                            break;
                    }
                    break;
                case '-' when i + 1 < sql.Length && sql[i + 1] == '-':
                    int newline = sql.IndexOf('\n', i);
                    i = newline < 0 ? sql.Length : newline + 1;
                    break;
                case '/' when i + 1 < sql.Length && sql[i + 1] == '*':
                    int close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    // Nested comments are legal in PostgreSQL: treat them as unknown.
                    if (close < 0 || sql.IndexOf("/*", i + 2, close - i - 2, StringComparison.Ordinal) >= 0)
                        return true;
                    i = close + 2;
                    break;
                case '$' when i + 1 < sql.Length && char.IsDigit(sql[i + 1]):
                    i++; // $1: a positional parameter, not a quote
                    break;
                case '$':
                    int tagEnd = sql.IndexOf('$', i + 1);
                    if (tagEnd < 0)
                        return true;
                    string tag = sql[i..(tagEnd + 1)];
                    if (!tag[1..^1].All(ch => char.IsLetterOrDigit(ch) || ch == '_'))
                        return true;
                    int closing = sql.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
                    if (closing < 0)
                        return true;
                    i = closing + tag.Length;
                    break;
                default:
                    i++;
                    break;
            }
        }
        return false;
    }
}
