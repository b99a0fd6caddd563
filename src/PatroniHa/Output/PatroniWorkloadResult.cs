using System.Collections;
using PatroniHa.Engine.Workload;

namespace PatroniHa.Output;

/// <summary>Measure-PatroniWorkload's result: the seed's load-test figures.</summary>
public sealed class PatroniWorkloadResult
{
    internal PatroniWorkloadResult(WorkloadReport r)
    {
        Mode = r.Mode;
        DurationSec = Math.Round(r.Elapsed.TotalSeconds, 1);
        Concurrency = r.Concurrency;
        Reads = r.Reads;
        Writes = r.Writes;
        Errors = r.Errors;
        ReadShare = Math.Round(r.ReadShare, 3);
        StatementsPerSecond = Math.Round(r.StatementsPerSecond, 1);
        ReadP50Ms = Math.Round(r.ReadLatency.P50Ms, 2);
        ReadP95Ms = Math.Round(r.ReadLatency.P95Ms, 2);
        ReadP99Ms = Math.Round(r.ReadLatency.P99Ms, 2);
        WriteP50Ms = Math.Round(r.WriteLatency.P50Ms, 2);
        WriteP95Ms = Math.Round(r.WriteLatency.P95Ms, 2);
        WriteP99Ms = Math.Round(r.WriteLatency.P99Ms, 2);
        StatementsPerServer = new Hashtable(r.StatementsPerServer.ToDictionary(p => p.Key, p => (object)p.Value));
        PeakConnectionsPerServer = new Hashtable(r.PeakConnectionsPerServer.ToDictionary(p => p.Key, p => (object)p.Value));
        ErrorSamples = r.ErrorSamples.ToArray();
    }

    public string Mode { get; }
    public double DurationSec { get; }
    public int Concurrency { get; }
    public long Reads { get; }
    public long Writes { get; }
    public long Errors { get; }

    /// <summary>Share of statements that were reads (the seed aims for 0.7–0.8).</summary>
    public double ReadShare { get; }

    public double StatementsPerSecond { get; }
    public double ReadP50Ms { get; }
    public double ReadP95Ms { get; }
    public double ReadP99Ms { get; }
    public double WriteP50Ms { get; }
    public double WriteP95Ms { get; }
    public double WriteP99Ms { get; }

    /// <summary>Where the statements ran (server → count): the read/write split across members.</summary>
    public Hashtable StatementsPerServer { get; }

    /// <summary>Most connections this application held on each server at once (sampled every 0.5 s).</summary>
    public Hashtable PeakConnectionsPerServer { get; }

    public string[] ErrorSamples { get; }

    public override string ToString() =>
        $"{Reads + Writes} statements in {DurationSec} s ({StatementsPerSecond}/s), {ReadShare:P0} reads, {Errors} errors";
}
