namespace PatroniHa.Engine.Execution.Transactions;

public enum TransactionIsolation
{
    /// <summary>The server's default_transaction_isolation.</summary>
    Default,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

/// <summary>How a transaction runs and how often it may be run again when it provably did not commit.</summary>
public sealed record TransactionOptions
{
    public TransactionIsolation Isolation { get; init; } = TransactionIsolation.Default;

    /// <summary>Runs in all (the first included); at least 1.</summary>
    public int MaxAttempts { get; init; } = 3;

    public string? Database { get; init; }

    /// <summary>Per statement, and for COMMIT; 0 waits for ever.</summary>
    public int TimeoutSeconds { get; init; } = 30;

    internal string BeginSql => Isolation switch
    {
        TransactionIsolation.ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
        TransactionIsolation.RepeatableRead => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        TransactionIsolation.Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        _ => "BEGIN",
    };
}

/// <summary>How an attempt ended.</summary>
public enum TransactionEnd
{
    Committed,

    /// <summary>Provably nothing committed and another attempt is allowed: run the whole transaction again.</summary>
    RunAgain,

    /// <summary>The caller's block failed; the transaction was rolled back (the caller re-throws its own error).</summary>
    RolledBack,
}
