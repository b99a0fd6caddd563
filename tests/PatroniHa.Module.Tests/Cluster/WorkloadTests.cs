using System.Collections;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Cluster;

[Collection(SandboxCollection.Name)]
public class WorkloadTests(SandboxFixture cluster)
{
    [Fact]
    public void The_load_test_splits_reads_to_replicas_and_reports_latency_and_pool_usage()
    {
        using var ps = cluster.Connect("-MaxPoolSize 4");
        PSObject r = ps.Ok("Measure-PatroniWorkload -DurationSec 3 -Concurrency 4 -ReadRatio 0.75 -Table workload_test").Single();
        long reads = (long)r.Properties["Reads"].Value, writes = (long)r.Properties["Writes"].Value;
        Assert.True(reads > 0 && writes > 0, $"reads {reads}, writes {writes}");
        Assert.Equal(0L, r.Properties["Errors"].Value);
        Assert.InRange((double)r.Properties["ReadShare"].Value, 0.5, 0.95);
        Assert.True((double)r.Properties["ReadP95Ms"].Value > 0);
        Assert.True((double)r.Properties["WriteP50Ms"].Value > 0);

        // Reads went to the two replicas, writes to the leader: three servers served statements.
        var perServer = (Hashtable)r.Properties["StatementsPerServer"].Value;
        Assert.Equal(3, perServer.Count);
        var peaks = (Hashtable)r.Properties["PeakConnectionsPerServer"].Value;
        Assert.NotEmpty(peaks);
        Assert.All(peaks.Values.Cast<int>(), peak => Assert.InRange(peak, 0, 4 + 1));

        // The scratch table is gone.
        Assert.Null(ps.Ok("Invoke-PatroniQuery \"SELECT to_regclass('workload_test')::text\" -As Scalar").SingleOrDefault()?.BaseObject);
    }

    [Fact]
    public void WhatIf_runs_nothing()
    {
        using var ps = cluster.Connect();
        Assert.Empty(ps.Ok("Measure-PatroniWorkload -DurationSec 1 -WhatIf"));
        Assert.Equal(0L, ps.Ok("(Get-PatroniHealth).Statistics.Writes").Single().BaseObject);
    }
}
