using PatroniHa.Engine.Routing.Reads;

namespace PatroniHa.Engine.Execution;

public enum QueryShape
{
    /// <summary>Stream every row.</summary>
    Rows,

    /// <summary>The first column of the first row.</summary>
    Scalar,

    /// <summary>The number of rows affected.</summary>
    NonQuery,
}

/// <summary>One statement to run. Parameters are bound by name (@name in the SQL), never spliced in.</summary>
public sealed record QueryRequest(string Sql)
{
    public IReadOnlyDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>();
    public bool ReadOnly { get; init; }
    public string? Database { get; init; }
    public QueryShape Shape { get; init; } = QueryShape.Rows;

    /// <summary>Statement timeout in seconds; 0 waits for ever.</summary>
    public int TimeoutSeconds { get; init; } = 30;

    /// <summary>The caller promises running the statement twice is harmless, so an unknown outcome may be retried.</summary>
    public bool Idempotent { get; init; }

    /// <summary>
    /// Counts in the session's Statistics (reads, writes, errors). Off for a drill's probe statements: they are
    /// the drill's traffic, not the user's, and their expected failures during a switchover are in the drill's result.
    /// </summary>
    public bool CountInStatistics { get; init; } = true;

    /// <summary>Read routing for a read-only statement; null: the session's policy.</summary>
    public ReadPolicy? ReadPolicy { get; init; }

    /// <summary>A read-your-writes read must also see this position (a write of another session or process).</summary>
    public CommitPosition? AfterPosition { get; init; }

    /// <summary>
    /// The first attempt runs the statement with Npgsql's blocking calls on the calling thread (a cmdlet's
    /// pipeline thread, which would only block waiting anyway): no thread hop when the server answers at once.
    /// Cancellation still reaches the server; retries run asynchronously.
    /// </summary>
    public bool BlockingFirstAttempt { get; init; }

    /// <summary>The statement's first line, short: how errors name it.</summary>
    public string Summary
    {
        get
        {
            string first = Sql.Trim().Split('\n')[0].Trim();
            return first.Length > 80 ? first[..77] + "..." : first;
        }
    }
}
