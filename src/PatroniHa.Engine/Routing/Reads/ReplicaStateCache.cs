using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// What one backend's members last reported about replay and the leader's WAL position over time. Probes
/// answer a read that needs a fresher position now; the sampler (started by the first policy that needs lag
/// or latency) keeps everything fresh in the background. Positions only move forward, so a cached value is
/// a safe lower bound.
/// </summary>
internal sealed class ReplicaStateCache : IDisposable
{
    /// <summary>How often the sampler reads the leader's position and every replica's replay position.</summary>
    internal static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    internal const string ReplicaProbeSql = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text";
    internal const string LeaderSampleSql = "SELECT pg_current_wal_insert_lsn()::text";

    private readonly PatroniBackend _backend;
    private readonly ConcurrentDictionary<string, MemberReadState> _states = new();
    private readonly CancellationTokenSource _stop = new();
    private int _samplerStarted;

    public ReplicaStateCache(PatroniBackend backend) => _backend = backend;

    public PatroniBackend Backend => _backend;

    public LeaderLsnSamples LeaderSamples { get; } = new();

    public MemberReadState? Get(string member) => _states.GetValueOrDefault(member);

    public IReadOnlyDictionary<string, MemberReadState> All => new Dictionary<string, MemberReadState>(_states);

    public void EnsureSampler()
    {
        if (Interlocked.Exchange(ref _samplerStarted, 1) == 0)
            _ = Task.Run(SampleLoopAsync);
    }

    /// <summary>Reads one replica's replay position now; null when it could not be asked.</summary>
    public async Task<MemberReadState?> ProbeAsync(PatroniMember member, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await using NpgsqlConnection connection = await _backend.DataSource(ToTarget(member), null)
                .OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(ReplicaProbeSql, connection);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                return null;
            bool inRecovery = reader.GetBoolean(0);
            Lsn replay = reader.IsDBNull(1) ? Lsn.Zero : Lsn.Parse(reader.GetString(1));
            long end = Stopwatch.GetTimestamp();
            var state = new MemberReadState(replay, inRecovery, end, Stopwatch.GetElapsedTime(start, end));
            // Replay only moves forward: never let an older answer (a slow probe) replace a newer one.
            _states.AddOrUpdate(member.Name, state, (_, old) =>
                old.InRecovery == inRecovery && old.ReplayLsn > replay ? state with { ReplayLsn = old.ReplayLsn } : state);
            return _states[member.Name];
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or FormatException
                                   or ObjectDisposedException)
        {
            return null;
        }
    }

    private async Task SampleLoopAsync()
    {
        CancellationToken ct = _stop.Token;
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            do
            {
                ClusterSnapshot? snapshot = _backend.Monitor.Current;
                if (snapshot is null)
                    continue;
                var work = new List<Task>();
                if (snapshot.Leader is { } leader)
                    work.Add(SampleLeaderAsync(leader, ct));
                foreach (PatroniMember replica in snapshot.Replicas.Where(m => m.IsRunning))
                    work.Add(ProbeAsync(replica, ct));
                await Task.WhenAll(work).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // The backend was retired.
        }
    }

    private async Task SampleLeaderAsync(PatroniMember leader, CancellationToken ct)
    {
        long at = Stopwatch.GetTimestamp();
        try
        {
            await using NpgsqlConnection connection = await _backend.DataSource(ToTarget(leader), null)
                .OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(LeaderSampleSql, connection);
            if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is string text && Lsn.TryParse(text, out Lsn lsn))
                LeaderSamples.Add(lsn.NormalizeForReplay(), at);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // A failing leader is the monitor's business; the samples just stop advancing.
        }
    }

    internal static RouteTarget ToTarget(PatroniMember m) => new(m.Name, m.Host, m.Port, m.IsLeader);

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
