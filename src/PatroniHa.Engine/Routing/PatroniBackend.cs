using System.Collections.Concurrent;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Fencing;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Topology;

namespace PatroniHa.Engine.Routing;

/// <summary>
/// Patroni HA mode: writes go to the member Patroni names leader, reads to healthy replicas
/// (round-robin), falling back to the leader when no replica is usable.
/// </summary>
public sealed class PatroniBackend : ClusterBackend
{
    /// <summary>How long a member that failed a query is passed over for reads.</summary>
    private static readonly TimeSpan MemberBackoff = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedUntil = new();
    private int _roundRobin;

    public PatroniBackend(ClusterOptions options, TopologyMonitor monitor)
        : base(options)
    {
        Monitor = monitor;
        Fence = new WriteFence(this, new LeaderLease(monitor, monitor.Source, options.Api.RequestTimeout, monitor.Events));
        Monitor.LeaderChanged += OnLeaderChanged;
        Fence.Lease!.SecondPrimaryFound += OnSecondPrimary;
    }

    internal override Task StartAsync(CancellationToken ct) => Fence.Lease!.StartAsync(ct);

    public override async Task<IReadOnlyList<PatroniMember>> GetMembersAsync(bool refresh, CancellationToken ct)
    {
        ClusterSnapshot? snapshot = refresh ? await Monitor.RefreshAsync(ct).ConfigureAwait(false) : Monitor.Current;
        return snapshot?.Members ?? [];
    }

    public TopologyMonitor Monitor { get; }

    public override ClusterMode Mode => ClusterMode.PatroniHa;

    public override long Epoch => Monitor.Epoch;

    public override ClusterSnapshot? Topology => Monitor.Current;

    public override RouteTarget? Writer =>
        Monitor.Current?.Leader is { } leader ? ToTarget(leader) : null;

    public override IReadOnlyList<RouteTarget> Readers()
    {
        ClusterSnapshot? snapshot = Monitor.Current;
        if (snapshot is null)
            return [];
        DateTimeOffset now = DateTimeOffset.UtcNow;
        LeaderLease lease = Fence.Lease!;
        var replicas = snapshot.Replicas.Where(m => m.IsRunning && !IsBackingOff(m.Name, now) && !lease.IsSecondPrimary(m.Name)).ToList();
        var ordered = new List<RouteTarget>(replicas.Count + 2);
        if (replicas.Count > 0)
        {
            int start = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)replicas.Count);
            for (int i = 0; i < replicas.Count; i++)
                ordered.Add(ToTarget(replicas[(start + i) % replicas.Count]));
        }
        if (snapshot.Leader is { } leader)
            ordered.Add(ToTarget(leader));
        // Last resort: replicas that failed recently may be back.
        ordered.AddRange(snapshot.Replicas.Where(m => m.IsRunning && IsBackingOff(m.Name, now) && !lease.IsSecondPrimary(m.Name)).Select(ToTarget));
        return ordered;
    }

    public override void ReportFailure(RouteTarget target)
    {
        if (target.IsLeader)
            WarmFailoverCandidates();
        _failedUntil[target.Name] = DateTimeOffset.UtcNow + MemberBackoff;
        // The member's idle connections are likely broken too (server killed, restarted or demoted): drop them
        // so the next statement does not meet a dead socket after it was sent (an "outcome unknown" for nothing).
        Pools.Clear(target.Host, target.Port);
        Monitor.ReportFailure(target.Name);
    }

    public override void ReportTimeout(RouteTarget target) => Monitor.RefreshNow();

    public override void ReportWriteSucceeded(RouteTarget target)
    {
        _failedUntil.TryRemove(target.Name, out _);
        Monitor.ReportLeaderHealthy(target.Name);
    }

    public override Task WaitForChangeAsync(TimeSpan max, CancellationToken ct) => Monitor.WaitForChangeAsync(max, ct);

    /// <summary>Whether reads may go to <paramref name="member"/>: not backing off after a failure, not a second primary.</summary>
    internal bool ServesReads(string member, DateTimeOffset now) =>
        !IsBackingOff(member, now) && !Fence.Lease!.IsSecondPrimary(member);

    private bool IsBackingOff(string member, DateTimeOffset now) =>
        _failedUntil.TryGetValue(member, out var until) && until > now;

    private static RouteTarget ToTarget(PatroniMember m) => new(m.Name, m.Host, m.Port, m.IsLeader);

    // Fencing: the old leader's idle connections must not serve another write, and a write still running on
    // it (a zombie primary waiting for a synchronous standby that has been promoted hangs for ever) is broken
    // off: it ends as "commit outcome unknown" and the next one goes to the new leader.
    private void OnLeaderChanged(PatroniMember? oldLeader, PatroniMember newLeader)
    {
        if (oldLeader is not null)
            Pools.Clear(oldLeader.Host, oldLeader.Port);
        _failedUntil.TryRemove(newLeader.Name, out _);
        Fence.OnLeaderChanged(newLeader.Name);
        Warm(ToTarget(newLeader));
    }

    // Split brain: a member running as primary without the lock may have diverged. Its idle connections go,
    // and a write still running there is broken off (outcome unknown); reads skip it (Readers).
    private void OnSecondPrimary(PatroniMember member)
    {
        Pools.Clear(member.Host, member.Port);
        Fence.AbortWrites(name => name == member.Name);
    }

    // A connection survives its server's promotion, so one opened to every candidate while the leader is in
    // trouble is ready the moment the new leader is writable: the first write skips the connect (measured
    // here: 200–440 ms under load).
    private void WarmFailoverCandidates()
    {
        foreach (PatroniMember replica in Monitor.Current?.Replicas.Where(m => m.IsRunning && !m.NoFailover) ?? [])
            Warm(ToTarget(replica));
    }

    private void Warm(RouteTarget target) => _ = Task.Run(async () =>
    {
        try
        {
            await using var connection = await DataSource(target, null).OpenConnectionAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Only a head start: the write itself reports what is wrong.
        }
    });

    public override async ValueTask DisposeAsync()
    {
        Monitor.LeaderChanged -= OnLeaderChanged;
        Fence.Lease!.SecondPrimaryFound -= OnSecondPrimary;
        await Monitor.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
