namespace PatroniHa.Engine.Topology;

/// <summary>The seed's statistics (failovers, topology_refreshes, reads, writes, errors); thread-safe.</summary>
public sealed class SessionStatistics
{
    private long _failovers, _refreshes, _reads, _writes, _errors;

    public long Failovers => Interlocked.Read(ref _failovers);
    public long TopologyRefreshes => Interlocked.Read(ref _refreshes);
    public long Reads => Interlocked.Read(ref _reads);
    public long Writes => Interlocked.Read(ref _writes);
    public long Errors => Interlocked.Read(ref _errors);

    internal void CountFailover() => Interlocked.Increment(ref _failovers);
    internal void CountRefresh() => Interlocked.Increment(ref _refreshes);
    internal void CountRead() => Interlocked.Increment(ref _reads);
    internal void CountWrite() => Interlocked.Increment(ref _writes);
    internal void CountError() => Interlocked.Increment(ref _errors);

    public override string ToString() =>
        $"failovers={Failovers} topology_refreshes={TopologyRefreshes} reads={Reads} writes={Writes} errors={Errors}";
}
