using System.Text.Json;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>The write lease's bound comes from the cluster's ttl/loop_wait/retry_timeout, never from the session.</summary>
public sealed class LeaseTimingTests
{
    private static LeaseTiming From(int? ttl, int? loopWait, int? retryTimeout) =>
        LeaseTiming.From(new PatroniDynamicConfig(ttl, loopWait, retryTimeout, null, null, null, false, default(JsonElement)));

    [Fact]
    public void PatroniDefaults_LeaseIsTtlMinusLoopWaitMinusRetryTimeout()
    {
        LeaseTiming t = From(30, 10, 10);

        Assert.Equal(TimeSpan.FromSeconds(10), t.Length);
        // Renewed at least three times per lease, never more often than Patroni renews its lock.
        Assert.True(t.RenewEvery <= t.Length / 3);
        Assert.True(t.RequestTimeout(TimeSpan.FromSeconds(2)) <= t.Length / 3);
    }

    [Fact]
    public void SandboxTiming_RenewsEveryLoopWait()
    {
        LeaseTiming t = From(10, 1, 4);

        Assert.Equal(TimeSpan.FromSeconds(5), t.Length);
        Assert.Equal(TimeSpan.FromSeconds(1), t.RenewEvery);
    }

    [Fact]
    public void MissingKeys_UsePatroniDefaults()
    {
        Assert.Equal(LeaseTiming.PatroniDefaults, From(null, null, null));
    }

    [Fact]
    public void TimingThatBreaksPatronisRule_GivesNoLease()
    {
        LeaseTiming t = From(10, 5, 5);

        Assert.False(t.IsSound);
        Assert.Equal(TimeSpan.Zero, t.Length);
    }
}
