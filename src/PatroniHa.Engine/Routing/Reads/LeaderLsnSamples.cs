using System.Diagnostics;

namespace PatroniHa.Engine.Routing.Reads;

/// <summary>
/// The leader's WAL insert position sampled by this session with the local time of each sample. A replica
/// that replayed sample S has every commit acknowledged before S was taken, so its staleness is at most
/// now − time(newest sample ≤ its replay position). Right while the leader is idle (the position stops
/// moving, the replica catches up to it) and immune to clock skew (one clock). Thread-safe.
/// </summary>
public sealed class LeaderLsnSamples
{
    private readonly (Lsn Lsn, long At)[] _ring;
    private readonly object _gate = new();
    private int _count;
    private int _next;

    public LeaderLsnSamples(int capacity = 512) => _ring = new (Lsn, long)[capacity];

    /// <summary>The newest sample, or null before the first.</summary>
    public (Lsn Lsn, long At)? Newest
    {
        get
        {
            lock (_gate)
                return _count == 0 ? null : _ring[(_next - 1 + _ring.Length) % _ring.Length];
        }
    }

    /// <param name="at">A <see cref="Stopwatch.GetTimestamp"/> taken before the position was read.</param>
    public void Add(Lsn lsn, long at)
    {
        lock (_gate)
        {
            // A position lower than the last one means a new leader on a new timeline: start again.
            if (_count > 0 && lsn < _ring[(_next - 1 + _ring.Length) % _ring.Length].Lsn)
                _count = 0;
            _ring[_next] = (lsn, at);
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }
    }

    public void Clear()
    {
        lock (_gate)
            _count = 0;
    }

    /// <summary>Upper bound of how old the newest commit a replica at <paramref name="replay"/> may miss is; null when unknown.</summary>
    public TimeSpan? StalenessAt(Lsn replay, long now)
    {
        lock (_gate)
        {
            for (int i = 1; i <= _count; i++)
            {
                var (lsn, at) = _ring[(_next - i + _ring.Length) % _ring.Length];
                if (lsn <= replay)
                    return Stopwatch.GetElapsedTime(at, now);
            }
            return null;
        }
    }

    /// <summary>Bytes of WAL a replica at <paramref name="replay"/> is behind the newest sample; null before any sample.</summary>
    public long? BytesBehind(Lsn replay) => Newest is { } newest ? newest.Lsn.BytesAfter(replay) : null;
}
