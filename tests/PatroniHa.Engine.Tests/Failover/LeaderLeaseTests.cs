using System.Text.Json;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Patroni;
using PatroniHa.Engine.Topology;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>The lease's length comes from the cluster's own timing, never from a guess (scripted Patroni, no cluster).</summary>
public sealed class LeaderLeaseTests
{
    private sealed class ScriptedSource : ITopologySource
    {
        public volatile PatroniDynamicConfig? Config; // null: GET /config fails
        public volatile bool ConfirmFails; // the leader's Patroni stops answering

        public Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct) => Task.FromResult(
            new ClusterSnapshot("test", [Leader], false, new Uri("http://127.0.0.1:8008/"), DateTimeOffset.UtcNow));

        public Task<LeaderConfirmation> ConfirmLeaderAsync(PatroniMember member, TimeSpan timeout, CancellationToken ct) =>
            ConfirmFails ? throw new HttpRequestException("GET /primary timed out") : Task.FromResult(new LeaderConfirmation(true, null, PatroniJson.ParseNodeStatus(
                Payloads.Read("3.0.2", "patroni.json"), new Uri("http://127.0.0.1:9008/"))));

        public Task<PatroniDynamicConfig> GetConfigAsync(CancellationToken ct) =>
            Config is { } c ? Task.FromResult(c) : throw new HttpRequestException("GET /config timed out");
    }

    private static readonly PatroniMember Leader = new("a", "127.0.0.1", 5432, MemberRole.Leader, "running", 1, null,
        new Dictionary<string, object?>(), new Uri("http://127.0.0.1:9008/patroni"));

    private static PatroniDynamicConfig Timing(int ttl, int loopWait, int retryTimeout) =>
        new(ttl, loopWait, retryTimeout, null, null, null, false, default(JsonElement));

    private static async Task<(LeaderLease, ScriptedSource, TopologyMonitor)> StartAsync(PatroniDynamicConfig? config)
    {
        var source = new ScriptedSource { Config = config };
        var events = new SessionEventLog();
        var monitor = new TopologyMonitor(source, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), new SessionStatistics(), events);
        await monitor.StartAsync(CancellationToken.None);
        var lease = new LeaderLease(monitor, source, TimeSpan.FromSeconds(2), events);
        await lease.StartAsync(CancellationToken.None);
        return (lease, source, monitor);
    }

    [Fact]
    public async Task NoLeaseUntilGetConfigAnswers_ThenOne()
    {
        // Patroni's defaults (30/10/10) would give a 10 s lease; on a ttl 10 / 1 / 4 cluster only 5 s are safe.
        var (lease, source, monitor) = await StartAsync(config: null);
        await using var _ = monitor;
        await using var __ = lease;
        Assert.False(lease.Holds("a"));
        Assert.Contains("timing is not known", lease.Why("a"));
        Assert.False(monitor.IsHandlingFailover); // not the leader's fault

        source.Config = Timing(10, 1, 4);
        lease.RenewNow();
        await lease.WaitForRenewalAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(lease.Holds("a"));
        Assert.Equal(TimeSpan.FromSeconds(5), lease.Timing.Length);
    }

    [Fact]
    public async Task ALoweredTtl_ShortensTheLeaseAlreadyGranted()
    {
        var (lease, source, monitor) = await StartAsync(Timing(30, 10, 10));
        await using var _ = monitor;
        await using var __ = lease;
        var granted = System.Diagnostics.Stopwatch.StartNew(); // the grant was made just before this
        Assert.True(lease.Holds("a"));

        // The leader's Patroni stops answering, and the cluster's ttl is lowered to a 1 s lease (3/1/1): the grant
        // made under the 10 s lease must end 1 s after its confirmation was sent, not 10 s.
        source.ConfirmFails = true;
        source.Config = Timing(3, 1, 1);
        while (lease.Timing.Length != TimeSpan.FromSeconds(1))
        {
            Assert.True(granted.Elapsed < TimeSpan.FromSeconds(8), "the lease re-reads GET /config beside its renewals");
            lease.RenewNow();
            await Task.Delay(50);
        }
        while (granted.Elapsed < TimeSpan.FromSeconds(1.2))
            await Task.Delay(50);
        Assert.False(lease.Holds("a"));
        Assert.True(granted.Elapsed < TimeSpan.FromSeconds(9), "checked well before the old 10 s lease would have ended");
    }

    [Fact]
    public async Task ALongerTiming_IsUsedOnlyOnceTheOldOneCannotBeInForce()
    {
        // ttl 3 → 30: GET /config shows it before the leader's Patroni applies it, and a leader key written under
        // ttl 3 lives 3 s. Until old ttl + loop_wait + retry_timeout (5 s) after the change was seen, the lease
        // must stay sized for the old timing (1 s), or a frozen leader would be trusted 27 s too long.
        var (lease, source, monitor) = await StartAsync(Timing(3, 1, 1));
        await using var _ = monitor;
        await using var __ = lease;
        Assert.Equal(TimeSpan.FromSeconds(1), lease.Timing.Length);

        var changed = System.Diagnostics.Stopwatch.StartNew();
        source.Config = Timing(30, 1, 1);
        while (lease.Timing.Length == TimeSpan.FromSeconds(1))
        {
            Assert.True(changed.Elapsed < TimeSpan.FromSeconds(30), "the longer timing is taken in the end");
            lease.RenewNow();
            await Task.Delay(50);
        }
        Assert.True(changed.Elapsed >= TimeSpan.FromSeconds(5), $"taken after {changed.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(TimeSpan.FromSeconds(28), lease.Timing.Length);
    }
}
