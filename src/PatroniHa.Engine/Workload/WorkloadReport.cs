namespace PatroniHa.Engine.Workload;

/// <summary>What the seed's load test asks to monitor: latency, pool usage, and the read/write split.</summary>
public sealed record WorkloadReport(
    string Mode,
    TimeSpan Elapsed,
    int Concurrency,
    long Reads,
    long Writes,
    long Errors,
    LatencySummary ReadLatency,
    LatencySummary WriteLatency,
    IReadOnlyDictionary<string, long> StatementsPerServer,
    IReadOnlyDictionary<string, int> PeakConnectionsPerServer,
    IReadOnlyList<string> ErrorSamples)
{
    /// <summary>Share of statements that were reads (the seed aims for 0.7–0.8).</summary>
    public double ReadShare => Reads + Writes == 0 ? 0 : (double)Reads / (Reads + Writes);

    public double StatementsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : (Reads + Writes) / Elapsed.TotalSeconds;
}
