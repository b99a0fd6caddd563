using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Bench;

/// <summary>
/// A client that keeps inserting numbered rows, as an application would: one INSERT after another, a short
/// pause after a success (<see cref="Pace"/>) and after a failure (<see cref="RetryDelay"/>). Every insert
/// returns <c>inet_server_port()</c>, so a success is attributed to the server that really committed it.
/// </summary>
internal abstract class WriterLoop(string name, TimeSpan pace, TimeSpan retryDelay)
{
    // The comment names the client in Npgsql's log (--trace).
    protected string InsertSql => $"/*{Name}*/ INSERT INTO bench_writes(client, run, seq) VALUES (@client, @run, @seq) RETURNING inet_server_port()";

    private readonly object _gate = new();
    private readonly Dictionary<int, HashSet<long>> _acked = [];
    private readonly Dictionary<int, int> _errors = [];
    private long _seq;
    private int _run;
    private long _markAt = long.MaxValue;
    private int _excludedPort = -1;
    private long _firstAfterMark;
    private int _firstPort;
    private int _successesInRun;
    private int _lastPortInRun;
    private long _lastCompletedRun = -1;

    public string Name { get; } = name;
    protected TimeSpan Pace { get; } = pace;
    protected TimeSpan RetryDelay { get; } = retryDelay;

    /// <summary>Error messages seen (first few per kind), for the report.</summary>
    public Dictionary<string, int> ErrorKinds { get; } = [];

    /// <summary>Subsequent inserts are tagged with <paramref name="run"/>.</summary>
    public void StartRun(int run)
    {
        lock (_gate)
        {
            _run = run;
            _successesInRun = 0;
            _lastPortInRun = 0;
            _markAt = long.MaxValue;
            _firstAfterMark = 0;
        }
    }

    /// <summary>From <paramref name="at"/> on, remember the first success on any server but <paramref name="oldPort"/>.</summary>
    public void Mark(long at, int oldPort)
    {
        lock (_gate)
        {
            _markAt = at;
            _excludedPort = oldPort;
            _firstAfterMark = 0;
        }
    }

    public (int Successes, int LastPort) Progress
    {
        get { lock (_gate) return (_successesInRun, _lastPortInRun); }
    }

    /// <summary>Completion timestamp and server port of the first write after the mark; 0 while none.</summary>
    public (long At, int Port) FirstAfterMark
    {
        get { lock (_gate) return (_firstAfterMark, _firstPort); }
    }

    /// <summary>True once a write tagged <paramref name="run"/> or later has completed (so none tagged earlier is in flight).</summary>
    public bool HasCompletedRun(int run)
    {
        lock (_gate) return _lastCompletedRun >= run;
    }

    public HashSet<long> Acknowledged(int run)
    {
        lock (_gate) return _acked.TryGetValue(run, out var set) ? [.. set] : [];
    }

    public int Errors(int run)
    {
        lock (_gate) return _errors.GetValueOrDefault(run);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            int run;
            long seq;
            lock (_gate)
            {
                run = _run;
                seq = ++_seq;
            }
            try
            {
                int port = await InsertAsync(run, seq, ct);
                long now = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    if (!_acked.TryGetValue(run, out var set))
                        _acked[run] = set = [];
                    set.Add(seq);
                    _lastCompletedRun = Math.Max(_lastCompletedRun, run);
                    if (run == _run)
                    {
                        _successesInRun++;
                        _lastPortInRun = port;
                    }
                    if (_firstAfterMark == 0 && now > _markAt && port != _excludedPort)
                    {
                        _firstAfterMark = now;
                        _firstPort = port;
                    }
                }
                await Task.Delay(Pace, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _errors[run] = _errors.GetValueOrDefault(run) + 1;
                    _lastCompletedRun = Math.Max(_lastCompletedRun, run);
                    string kind = Describe(e);
                    ErrorKinds[kind] = ErrorKinds.GetValueOrDefault(kind) + 1;
                }
                try
                {
                    await Task.Delay(RetryDelay, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    protected abstract Task<int> InsertAsync(int run, long seq, CancellationToken ct);

    private static string Describe(Exception e) => e switch
    {
        PatroniHaException p => p.ErrorId,
        PostgresException p => $"SQLSTATE {p.SqlState}",
        NpgsqlException n => $"{nameof(NpgsqlException)}: {Short(n.InnerException?.Message ?? n.Message)}",
        _ => $"{e.GetType().Name}: {Short(e.Message)}",
    };

    private static string Short(string s) => s.Length > 70 ? s[..67] + "..." : s;
}

/// <summary>A PatroniHa <see cref="ClusterSession"/>: the engine finds the leader, waits out the failover and retries.</summary>
internal sealed class PatroniHaWriter(ClusterSession session, TimeSpan pace, TimeSpan retryDelay)
    : WriterLoop("PatroniHa", pace, retryDelay)
{
    protected override async Task<int> InsertAsync(int run, long seq, CancellationToken ct)
    {
        var request = new QueryRequest(InsertSql)
        {
            Shape = QueryShape.Scalar,
            Parameters = new Dictionary<string, object?> { ["client"] = Name, ["run"] = run, ["seq"] = seq },
            TimeoutSeconds = 10,
        };
        QueryResult result = await session.ExecuteAsync(request, null, ct);
        return Convert.ToInt32(result.Value);
    }
}

/// <summary>Npgsql multi-host with Target Session Attributes=primary: open, insert, close; on failure try again.</summary>
internal sealed class NpgsqlMultiHostWriter(NpgsqlDataSource dataSource, TimeSpan pace, TimeSpan retryDelay)
    : WriterLoop("Npgsql", pace, retryDelay)
{
    protected override async Task<int> InsertAsync(int run, long seq, CancellationToken ct)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(InsertSql, connection) { CommandTimeout = 10 };
        command.Parameters.AddWithValue("client", Name);
        command.Parameters.AddWithValue("run", run);
        command.Parameters.AddWithValue("seq", seq);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct));
    }
}
