using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>
/// The marker table behind -TrackCommitOutcome: every tracked write inserts its token in the same transaction
/// (batched with COMMIT, no extra round trip), so after a broken COMMIT the marker's presence on the current
/// leader is the exact answer. Created on first use per database; rows older than <see cref="Retention"/> are
/// pruned now and then.
/// </summary>
internal sealed class CommitMarkers
{
    public const string Table = "patroniha.commit_marker";

    /// <summary>How long a marker (and so the answer to "did it commit?") is kept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(5);

    public const string CreateSql =
        "CREATE SCHEMA IF NOT EXISTS patroniha; " +
        "CREATE TABLE IF NOT EXISTS " + Table + " (" +
        "token uuid PRIMARY KEY, " +
        "created_at timestamptz NOT NULL DEFAULT now(), " +
        // true: written by the resolver, which found no marker; the write it stands for can never commit now.
        "tombstone boolean NOT NULL DEFAULT false, " +
        "resolved_at timestamptz)";

    /// <summary>Batched with COMMIT: an ERROR here (the resolver got there first) aborts the transaction.</summary>
    public const string InsertSql = "INSERT INTO " + Table + " (token) VALUES (@patroniha_commit_marker)";

    public const string TokenParameter = "patroniha_commit_marker";

    /// <summary>
    /// The resolver's one statement. Inserting the token as a tombstone waits for a transaction still holding
    /// the marker (so a live old backend is never called "not committed"), and once it commits no transaction
    /// with this token can commit any more (its marker insert fails). Either branch writes WAL and commits, so
    /// when the answer comes back it has passed the synchronous-replication barrier too.
    /// </summary>
    public const string ResolveSql =
        "INSERT INTO " + Table + " AS m (token, tombstone) VALUES (@patroniha_commit_marker, true) " +
        "ON CONFLICT (token) DO UPDATE SET resolved_at = now() RETURNING m.tombstone";

    private const string PruneSql = "DELETE FROM " + Table + " WHERE created_at < now() - make_interval(secs => @retention)";

    private readonly ConcurrentDictionary<string, Task> _ensured = new(StringComparer.Ordinal);
    private long _lastPrune = Stopwatch.GetTimestamp();

    /// <summary>Creates the table once per <paramref name="key"/> (server set and database) and session.</summary>
    public Task EnsureAsync(string key, Func<string, CancellationToken, Task> runOnLeader, CancellationToken ct)
    {
        Task task = _ensured.GetOrAdd(key, _ => CreateAsync(runOnLeader, ct));
        if (task.IsFaulted || task.IsCanceled)
        {
            _ensured.TryRemove(KeyValuePair.Create(key, task));
            task = _ensured.GetOrAdd(key, _ => CreateAsync(runOnLeader, ct));
        }
        return task;
    }

    private static async Task CreateAsync(Func<string, CancellationToken, Task> runOnLeader, CancellationToken ct)
    {
        try
        {
            await runOnLeader(CreateSql, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex.InnerException is PostgresException { SqlState: "23505" or "42P07" or "42P06" })
        {
            // Two sessions created it at once: CREATE … IF NOT EXISTS is not race-free in the catalog. It exists now.
        }
    }

    /// <summary>True once every <see cref="PruneEvery"/> (for one caller): that caller prunes old markers.</summary>
    public bool PruneDue()
    {
        long last = Interlocked.Read(ref _lastPrune);
        return Stopwatch.GetElapsedTime(last) > PruneEvery &&
               Interlocked.CompareExchange(ref _lastPrune, Stopwatch.GetTimestamp(), last) == last;
    }

    public static NpgsqlCommand PruneCommand(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(PruneSql, connection);
        command.Parameters.AddWithValue("retention", Retention.TotalSeconds);
        return command;
    }
}
