using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Topology;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>The monitor's failover bookkeeping, against a scripted topology source (no cluster needed).</summary>
public sealed class TopologyMonitorFailoverTests
{
    private sealed class ScriptedSource : ITopologySource
    {
        private volatile Func<ClusterSnapshot> _next = () => throw new InvalidOperationException("no script");

        public volatile bool LeaderApiDown;
        public int Calls;

        public void Serve(Func<ClusterSnapshot> next) => _next = next;

        public Task<ClusterSnapshot> DiscoverAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(_next());
        }

        public bool IsMemberApiDown(PatroniMember member) => LeaderApiDown && member.IsLeader;
    }

    private static PatroniMember Member(string name, bool leader, int port) =>
        new(name, "127.0.0.1", port, leader ? MemberRole.Leader : MemberRole.Replica, "running", 1, leader ? null : 0,
            new Dictionary<string, object?>(), new Uri($"http://127.0.0.1:{port + 1000}/patroni"));

    private static ClusterSnapshot Snapshot(params PatroniMember[] members) =>
        new("test", members, false, new Uri("http://127.0.0.1:8008/"), DateTimeOffset.UtcNow);

    private static readonly ClusterSnapshot ALeads = Snapshot(Member("a", true, 5432), Member("b", false, 5433));
    private static readonly ClusterSnapshot NoLeader = Snapshot(Member("b", false, 5433));
    private static readonly ClusterSnapshot BLeads = Snapshot(Member("b", true, 5433));

    private static async Task<(TopologyMonitor, ScriptedSource, SessionStatistics, SessionEventLog)> StartAsync(TimeSpan interval)
    {
        var source = new ScriptedSource();
        source.Serve(() => ALeads);
        var stats = new SessionStatistics();
        var events = new SessionEventLog();
        var monitor = new TopologyMonitor(source, interval, TimeSpan.FromSeconds(30), stats, events);
        await monitor.StartAsync(CancellationToken.None);
        return (monitor, source, stats, events);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task LeaderlessThenNewLeader_CountsOneFailoverAndNamesTheOldLeaderEvenIfItVanished()
    {
        var (monitor, source, stats, events) = await StartAsync(TimeSpan.FromMinutes(1));
        await using var _ = monitor;
        (PatroniMember? Old, PatroniMember New)? changed = null;
        monitor.LeaderChanged += (o, n) => changed = (o, n);

        source.Serve(() => NoLeader);
        monitor.ReportFailure("a"); // wakes the monitor at once
        await EventuallyAsync(() => monitor.IsHandlingFailover, "leaderless cluster starts a failover");
        Assert.True(monitor.IsFastPolling);

        source.Serve(() => BLeads); // found by the fast poll, not the 1-minute interval
        await EventuallyAsync(() => changed is not null, "leader change raised");
        Assert.Equal("a", changed!.Value.Old?.Name);
        Assert.Equal("b", changed.Value.New.Name);
        Assert.Equal(1, stats.Failovers);
        Assert.Equal(1, monitor.Epoch);
        Assert.False(monitor.IsHandlingFailover);
        var messages = new List<string>();
        while (events.TryTake(out var e)) messages.Add(e!.Message);
        Assert.Equal(["Handling failover - detecting new primary...", "Failover complete - new primary: 127.0.0.1:5433"], messages);
    }

    [Fact]
    public async Task LeaderMovedWithoutWarning_StillAnnouncesBothMessages()
    {
        var (monitor, source, stats, events) = await StartAsync(TimeSpan.FromMinutes(1));
        await using var _ = monitor;
        source.Serve(() => BLeads);
        await monitor.RefreshAsync(CancellationToken.None);
        var messages = new List<string>();
        while (events.TryTake(out var e)) messages.Add(e!.Message);
        Assert.Equal(["Handling failover - detecting new primary...", "Failover complete - new primary: 127.0.0.1:5433"], messages);
        Assert.Equal(1, stats.Failovers);
    }

    [Fact]
    public async Task LeadersRestApiDown_PollsFastUntilItAnswersAgain()
    {
        var (monitor, source, _, _) = await StartAsync(TimeSpan.FromMinutes(1));
        await using var __ = monitor;
        source.LeaderApiDown = true;
        await monitor.RefreshAsync(CancellationToken.None);
        Assert.True(monitor.IsFastPolling);
        Assert.False(monitor.IsHandlingFailover); // a suspicion, not a failover: no messages
        int before = source.Calls;
        // Not a timing assertion: the interval is a minute, so two more refreshes at all mean fast polling.
        await EventuallyAsync(() => source.Calls - before >= 2, "the monitor polls fast while the leader's REST API is down");

        source.LeaderApiDown = false;
        await EventuallyAsync(() => !monitor.IsFastPolling, "fast poll ends once the leader's API answers");
    }

    [Fact]
    public async Task RefreshFromOutsideThatFindsNoLeader_WakesTheLoopToPollFast()
    {
        var (monitor, source, _, _) = await StartAsync(TimeSpan.FromMinutes(1));
        await using var _ = monitor;
        await Task.Delay(TopologyMonitor.FastPollInterval * 2); // the loop is in its 1-minute wait by now
        source.Serve(() => NoLeader);
        await monitor.RefreshAsync(CancellationToken.None); // e.g. Get-PatroniTopology -Refresh
        Assert.True(monitor.IsFastPolling);
        int before = source.Calls;
        await EventuallyAsync(() => source.Calls - before >= 2,
            "the loop polls fast (not after its 1-minute interval) once an outside refresh found no leader");
    }

    [Fact]
    public async Task RestApiUnreachable_KeepsTheLastTopologyAndKeepsTrying()
    {
        var (monitor, source, stats, _) = await StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = monitor;
        source.Serve(() => throw new HttpRequestException("connection refused"));
        await EventuallyAsync(() => monitor.LastError is not null, "the failure is recorded");
        Assert.Same(ALeads, monitor.Current);
        int failing = source.Calls;
        await EventuallyAsync(() => source.Calls >= failing + 2, "the monitor keeps trying");

        source.Serve(() => ALeads);
        await EventuallyAsync(() => monitor.LastError is null, "recovers by itself");
        Assert.Equal(0, stats.Failovers);
    }
}
