namespace PatroniHa.Engine.Workload;

/// <summary>Collects latencies (one list per worker, merged at the end: no locking on the hot path).</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _milliseconds = [];

    public void Add(TimeSpan elapsed) => _milliseconds.Add(elapsed.TotalMilliseconds);

    public static LatencySummary Summarize(IEnumerable<LatencyRecorder> recorders)
    {
        double[] all = recorders.SelectMany(r => r._milliseconds).Order().ToArray();
        if (all.Length == 0)
            return new LatencySummary(0, 0, 0, 0, 0);
        return new LatencySummary(all.Length, Percentile(all, 0.50), Percentile(all, 0.95), Percentile(all, 0.99), all[^1]);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs);
