namespace PatroniHa.Engine.Execution;

/// <summary>Receives rows as they are read; may block to apply back-pressure.</summary>
public interface IRowSink
{
    void OnColumns(IReadOnlyList<string> names);

    /// <summary>One row; DBNull already turned into null.</summary>
    void OnRow(object?[] values, CancellationToken ct);
}
