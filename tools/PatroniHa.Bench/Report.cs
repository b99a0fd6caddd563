using System.Globalization;

namespace PatroniHa.Bench;

/// <summary>The table: one line per run as it finishes, then median and max per client.</summary>
internal static class Report
{
    private const string Row = "{0,3}  {1,-7} {2,14}  {3,12}  {4,12}  {5,12}  {6,7}  {7,7}  {8,9}  {9,5}  {10,5}";

    public static void Header(BenchOptions o, string npgsql)
    {
        Console.WriteLine($"PatroniHa failover benchmark: {o.Runs} {(o.Planned ? "planned switchovers (POST /switchover)" : "unplanned failovers (SIGKILL of the leader's Patroni and PostgreSQL)")}, " +
                          $"3 members, ttl 10, synchronous_mode {(o.Synchronous ? "on" : "off")}");
        Console.WriteLine($"clients insert continuously (pause {o.Pace.TotalMilliseconds:0} ms after a success, {o.RetryDelay.TotalMilliseconds:0} ms after a failure); " +
                          $"probe: INSERT on a held non-pooled connection per surviving member every {o.ProbeInterval.TotalMilliseconds:0} ms");
        Console.WriteLine($"PatroniHa: ClusterSession, HealthCheckInterval {o.HealthCheckInterval.TotalSeconds:0} s, FailoverTimeout 60 s");
        Console.WriteLine($"Npgsql:    {npgsql}");
        Console.WriteLine();
        Console.WriteLine("Client columns: first successful write after the new leader became writable (ms; negative = before the probe saw it).");
        Console.WriteLine("topology: when the session's monitor first named the new leader, same origin. probe: attempts, median ms each.");
        Console.WriteLine($"errors/lost: PatroniHa/Npgsql. load: 1-minute load average at the {(o.Planned ? "request" : "kill")} ({Environment.ProcessorCount} cores).");
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, Row, "run", "leader", o.Planned ? "req→writable" : "kill→writable",
            "PatroniHa", "Npgsql", "topology", "probe", "", "errors", "lost", "load"));
    }

    public static void Line(RunResult r)
    {
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, Row, r.Run, $"{r.OldLeader}→{r.NewLeader}",
            $"{r.KillToWritableMs:0} ms", Fmt(r.PatroniHaMs), Fmt(r.NpgsqlMs), Fmt(r.TopologyMs),
            $"{r.ProbeAttempts}x", $"{r.ProbeAttemptMs:0.0}ms",
            $"{r.PatroniHa.Errors}/{r.Npgsql.Errors}", $"{r.PatroniHa.Lost}/{r.Npgsql.Lost}", $"{r.Load:0.0}"));
        if (r.Note is not null)
            Console.WriteLine($"     note: {r.Note}");
    }

    public static void Summary(IReadOnlyList<RunResult> runs, long sessionFailovers, bool planned)
    {
        Console.WriteLine();
        if (runs.Count == 0)
        {
            Console.WriteLine("No run completed.");
            return;
        }
        var ha = runs.Where(r => r.PatroniHaMs is not null).Select(r => r.PatroniHaMs!.Value).ToList();
        var npg = runs.Where(r => r.NpgsqlMs is not null).Select(r => r.NpgsqlMs!.Value).ToList();
        var writable = runs.Select(r => r.KillToWritableMs).ToList();
        Console.WriteLine($"{(planned ? "request" : "kill")}→writable: median {Median(writable):0} ms, max {writable.Max():0} ms");
        Console.WriteLine($"writable→first write  PatroniHa: median {Stat(ha, Median)}, max {Stat(ha, Enumerable.Max)} ({ha.Count}/{runs.Count} runs wrote)");
        Console.WriteLine($"writable→first write  Npgsql:    median {Stat(npg, Median)}, max {Stat(npg, Enumerable.Max)} ({npg.Count}/{runs.Count} runs wrote)");
        if (ha.Count > 0 && npg.Count > 0 && Median(npg) != 0)
            Console.WriteLine($"ratio PatroniHa/Npgsql: median {Median(ha) / Median(npg):0.000}, max {ha.Max() / npg.Max():0.000}");
        Console.WriteLine($"leader changes counted by the PatroniHa session (Statistics.Failovers): {sessionFailovers} for {runs.Count} {(planned ? "switchovers" : "unplanned failovers")}");
        foreach (var (name, pick) in new (string, Func<RunResult, ClientCheck>)[] { ("PatroniHa", r => r.PatroniHa), ("Npgsql", r => r.Npgsql) })
        {
            var c = runs.Select(pick).ToList();
            Console.WriteLine($"{name,-9}: {c.Sum(x => x.Acknowledged)} writes acknowledged, {c.Sum(x => x.Lost)} lost, " +
                              $"{c.Sum(x => x.Duplicated)} duplicated, {c.Sum(x => x.Errors)} failed attempts " +
                              $"({c.Sum(x => x.UnacknowledgedPresent)} of them had committed anyway)");
        }
    }

    private static string Fmt(double? ms) => ms is { } v ? $"{v:+0;-0;0} ms" : "none";

    private static string Stat(List<double> values, Func<List<double>, double> f) =>
        values.Count == 0 ? "n/a" : $"{f(values):0} ms";

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
