using System.Security.Cryptography;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Drills;

/// <summary>
/// The drill's table: one row per probe write, numbered. Every statement goes through the session's normal
/// executor, so the drill measures what users of the session get; none counts in the session's Statistics
/// (the drill's traffic is not the user's). No unique key on purpose: a write committed twice must show up as
/// two rows.
/// </summary>
public sealed class ProbeTable
{
    private readonly ClusterSession _session;

    internal ProbeTable(ClusterSession session, string name)
    {
        _session = session;
        Name = name;
    }

    public string Name { get; }

    public static string NewName() =>
        $"patroniha_probe_{DateTime.UtcNow:yyyyMMddHHmmss}_{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    public static async Task<ProbeTable> CreateAsync(ClusterSession session, CancellationToken ct, string? name = null)
    {
        var table = new ProbeTable(session, name ?? NewName());
        await session.ExecuteAsync(new QueryRequest(
            $"CREATE TABLE IF NOT EXISTS {table.Name} (seq bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())")
        {
            Shape = QueryShape.NonQuery,
            Idempotent = true,
            CountInStatistics = false,
        }, null, ct).ConfigureAwait(false);
        return table;
    }

    /// <summary>
    /// Writes row <paramref name="seq"/> on the leader; returns the member that took it. With
    /// <paramref name="idempotent"/> the insert skips a number already there, so the session may re-run it
    /// after a lost answer (and must then not report "outcome unknown").
    /// </summary>
    public async Task<string> InsertAsync(long seq, int timeoutSeconds, CancellationToken ct, bool idempotent = false)
    {
        string sql = idempotent
            ? $"INSERT INTO {Name} (seq) SELECT @seq WHERE NOT EXISTS (SELECT 1 FROM {Name} WHERE seq = @seq)"
            : $"INSERT INTO {Name} (seq) VALUES (@seq)";
        QueryResult r = await _session.ExecuteAsync(new QueryRequest(sql)
        {
            Parameters = new Dictionary<string, object?> { ["seq"] = seq },
            Shape = QueryShape.NonQuery,
            Idempotent = idempotent,
            TimeoutSeconds = timeoutSeconds,
            CountInStatistics = false,
        }, null, ct).ConfigureAwait(false);
        return r.Server.Name;
    }

    /// <summary>Reads the highest number on a replica (the session's read routing); returns the member.</summary>
    public async Task<string> ReadAsync(int timeoutSeconds, CancellationToken ct)
    {
        QueryResult r = await _session.ExecuteAsync(new QueryRequest($"SELECT coalesce(max(seq), 0) FROM {Name}")
        {
            ReadOnly = true,
            Shape = QueryShape.Scalar,
            TimeoutSeconds = timeoutSeconds,
            CountInStatistics = false,
        }, null, ct).ConfigureAwait(false);
        return r.Server.Name;
    }

    /// <summary>Every number in the table with how often it is there, read on the leader.</summary>
    public async Task<(IReadOnlyDictionary<long, long> Rows, string Server)> ReadBackAsync(CancellationToken ct)
    {
        var sink = new CountSink();
        QueryResult r = await _session.ExecuteAsync(new QueryRequest($"SELECT seq, count(*) FROM {Name} GROUP BY seq")
        {
            Idempotent = true,
            TimeoutSeconds = 60,
            CountInStatistics = false,
        }, sink, ct).ConfigureAwait(false);
        return (sink.Rows, r.Server.Name);
    }

    /// <summary>Removes the table; safe to run twice.</summary>
    public async Task DropAsync(CancellationToken ct)
    {
        await _session.ExecuteAsync(new QueryRequest($"DROP TABLE IF EXISTS {Name}")
        {
            Shape = QueryShape.NonQuery,
            Idempotent = true,
            CountInStatistics = false,
        }, null, ct).ConfigureAwait(false);
    }

    private sealed class CountSink : IRowSink
    {
        public Dictionary<long, long> Rows { get; } = new();

        public void OnColumns(IReadOnlyList<string> names)
        {
        }

        public void OnRow(object?[] values, CancellationToken ct) =>
            Rows[Convert.ToInt64(values[0])] = Convert.ToInt64(values[1]);
    }
}
