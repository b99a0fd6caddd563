using System.Data;
using Npgsql;

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

    /// <summary>Runs the statement. <paramref name="onSent"/> is called just before it goes to the server.</summary>
    public static async Task<object?> RunAsync(NpgsqlConnection connection, QueryRequest request, IRowSink? sink,
        Action onSent, Action onFirstRow, CancellationToken ct)
    {
        await using NpgsqlCommand command = CreateCommand(connection, request);
        onSent();
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
                    int rows = 0;
                    do
                    {
                        if (reader.FieldCount == 0)
                            continue;
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
                                onFirstRow();
                            sink?.OnRow(values, ct);
                        }
                    }
                    while (await reader.NextResultAsync(ct).ConfigureAwait(false));
                    return reader.RecordsAffected;
                }
        }
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
    public static async Task<bool> IsReadWriteAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is false;
    }
}
