using System.Collections.Concurrent;
using System.Diagnostics;

namespace PatroniHa.Bench;

/// <summary>
/// --trace: Npgsql's tracing activities (every command and connection open, from the engine's pools too),
/// stamped with the benchmark's clock when they end, so a run can show what the session did around the
/// writable moment.
/// </summary>
internal sealed class NpgsqlTrace : IDisposable
{
    public sealed record Entry(long At, double DurationMs, string What);

    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly ActivityListener _listener;

    private NpgsqlTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Npgsql", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public static NpgsqlTrace? Install(bool enabled) => enabled ? new NpgsqlTrace() : null;

    /// <summary>Entries that ended between <paramref name="from"/> and <paramref name="to"/>, oldest first; drops the rest.</summary>
    public List<Entry> Take(long from, long to)
    {
        var result = new List<Entry>();
        while (_entries.TryDequeue(out var e))
        {
            if (e.At >= from && e.At <= to)
                result.Add(e);
        }
        return result;
    }

    private void Stopped(Activity a)
    {
        string? Tag(params string[] names) =>
            names.Select(n => a.GetTagItem(n)?.ToString()).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        string port = Tag("server.port", "net.peer.port") ?? "?";
        string text = Tag("db.query.text", "db.statement") ?? "";
        string what = $"{a.DisplayName} :{port} {a.Status}{(a.StatusDescription is { } d ? $" ({Short(d)})" : "")} {Short(text)}";
        _entries.Enqueue(new Entry(Stopwatch.GetTimestamp(), a.Duration.TotalMilliseconds, what));
    }

    private static string Short(string s) => s.Length > 90 ? s[..87] + "..." : s;

    public void Dispose() => _listener.Dispose();
}
