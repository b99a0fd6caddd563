namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>
/// The retry loops around <see cref="TransactionAttempt"/>: a list of statements as one transaction, and a
/// single tracked write. Each attempt runs on whichever member leads when it starts.
/// </summary>
internal static class TransactionRunner
{
    /// <summary>
    /// The statements, sent as one batch after BEGIN, then COMMIT. Rows are held back until COMMIT succeeded, so a
    /// re-run never shows the pipeline a row twice.
    /// </summary>
    public static async Task<QueryResult> RunBatchAsync(Func<int, CancellationToken, Task<TransactionAttempt>> open,
        QueryRequest batch, IRowSink? sink, CancellationToken ct)
    {
        for (int number = 1; ; number++)
        {
            var held = new HeldRows();
            QueryResult? result = null;
            TransactionAttempt attempt = await open(number, ct).ConfigureAwait(false);
            await using (attempt.ConfigureAwait(false))
            {
                try
                {
                    result = await attempt.ExecuteAsync(batch, held, ct).ConfigureAwait(false);
                }
                catch (Errors.PatroniHaException)
                {
                    // Remembered by the attempt; EndAsync decides between running again and reporting it.
                }
                TransactionEnd end = await attempt.EndAsync(blockSucceeded: true, ct).ConfigureAwait(false);
                if (end == TransactionEnd.RunAgain)
                    continue; // EndAsync says so only while attempts are left
                held.Replay(sink, ct);
                return result! with { Attempts = number };
            }
        }
    }

    /// <summary>A single write with its marker: run again once at most, and only when it provably did not commit.</summary>
    public static async Task<QueryResult> RunTrackedAsync(Func<int, CancellationToken, Task<TransactionAttempt>> open,
        QueryRequest request, IRowSink? sink, CancellationToken ct)
    {
        for (int number = 1; ; number++)
        {
            TransactionAttempt attempt = await open(number, ct).ConfigureAwait(false);
            await using (attempt.ConfigureAwait(false))
            {
                (TransactionEnd end, QueryResult? result) = await attempt.ExecuteAndCommitAsync(request, sink, ct)
                    .ConfigureAwait(false);
                if (end == TransactionEnd.RunAgain)
                    continue;
                return result! with { Attempts = number };
            }
        }
    }

    /// <summary>Rows kept until the transaction committed.</summary>
    private sealed class HeldRows : IRowSink
    {
        private readonly List<(IReadOnlyList<string>? Columns, object?[]? Row)> _items = [];

        public void OnColumns(IReadOnlyList<string> names) => _items.Add((names, null));

        public void OnRow(object?[] values, CancellationToken ct) => _items.Add((null, values));

        public void Replay(IRowSink? sink, CancellationToken ct)
        {
            if (sink is null)
                return;
            foreach (var (columns, row) in _items)
            {
                if (columns is not null)
                    sink.OnColumns(columns);
                else
                    sink.OnRow(row!, ct);
            }
        }
    }
}
