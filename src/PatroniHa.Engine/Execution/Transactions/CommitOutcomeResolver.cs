using Npgsql;
using PatroniHa.Engine.Routing;

namespace PatroniHa.Engine.Execution.Transactions;

internal enum CommitOutcome
{
    Committed,
    NotCommitted,
    Unknown,
}

/// <summary>
/// Settles a COMMIT whose answer was lost, on whichever member leads now, with the marker table's one
/// statement (<see cref="CommitMarkers.ResolveSql"/>). Never reads xids or backend states: the marker row is the
/// only evidence, and the tombstone it leaves when there is none makes "not committed" final.
/// </summary>
internal static class CommitOutcomeResolver
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    public static async Task<(CommitOutcome Outcome, string? Detail)> ResolveAsync(QueryExecutor executor,
        ClusterBackend backend, string? database, Guid token, CancellationToken ct)
    {
        TimeSpan budget = backend.Options.FailoverTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(budget);
        var request = new QueryRequest(CommitMarkers.ResolveSql) { Database = database };
        string? last = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                // A leader Patroni confirms, checked read-write: the old backend is on another member, or on this
                // one, where the statement below waits for it.
                await using Fencing.FencedConnection leader = await executor.OpenLeaderAsync(backend, request, deadline.Token)
                    .ConfigureAwait(false);
                await using var command = new NpgsqlCommand(CommitMarkers.ResolveSql, leader.Connection)
                {
                    CommandTimeout = Math.Max(1, (int)Math.Ceiling(budget.TotalSeconds)),
                };
                command.Parameters.AddWithValue(CommitMarkers.TokenParameter, token);
                object? tombstone = await command.ExecuteScalarAsync(leader.Token).ConfigureAwait(false);
                return (tombstone is true ? CommitOutcome.NotCommitted : CommitOutcome.Committed, $"settled on {leader.Leader}");
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // The statement is idempotent (a second run returns what the first decided), so any failure is
                // simply tried again on whoever leads next.
                last = ex is Errors.PatroniHaException ? ex.Message : QueryErrors.Reason(ex);
                if (deadline.IsCancellationRequested)
                    break;
                try
                {
                    await backend.WaitForChangeAsync(Pause, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        ct.ThrowIfCancellationRequested();
        return (CommitOutcome.Unknown, last);
    }
}
