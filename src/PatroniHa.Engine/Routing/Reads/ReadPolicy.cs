namespace PatroniHa.Engine.Routing.Reads;

/// <summary>How fresh a read must be.</summary>
public enum ReadConsistency
{
    /// <summary>Any healthy replica (subject to the lag limits).</summary>
    Eventual,

    /// <summary>A replica that replayed this session's last write (or -AfterLsn); else, after a bounded wait, the leader.</summary>
    ReadYourWrites,

    /// <summary>The leader.</summary>
    Strong,
}

/// <summary>Which of the eligible replicas in the best tag group serves a read.</summary>
public enum ReplicaChoice
{
    RoundRobin,
    Random,

    /// <summary>The lowest measured round trip (ties round-robin).</summary>
    LowestLatency,
}

/// <summary>
/// A session's rules for read-only statements; a query can override any of them. Members tagged
/// <c>noloadbalance</c> never serve reads, whatever the policy.
/// </summary>
public sealed record ReadPolicy
{
    // Declared before Default: static fields initialise in order.
    internal static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>();

    public static readonly ReadPolicy Default = new();

    public ReadConsistency Consistency { get; init; } = ReadConsistency.Eventual;

    /// <summary>Skip replicas more than this many bytes of WAL behind the leader (null: no limit).</summary>
    public long? MaxLagBytes { get; init; }

    /// <summary>Skip replicas that may miss commits older than this (null: no limit).</summary>
    public TimeSpan? MaxLag { get; init; }

    /// <summary>Ordered tag groups: the first group with an eligible replica wins; an empty group matches any.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> PreferTags { get; init; } = [];

    /// <summary>Tags a replica must have to serve reads.</summary>
    public IReadOnlyDictionary<string, string> RequireTags { get; init; } = EmptyTags;

    public ReplicaChoice Choice { get; init; } = ReplicaChoice.RoundRobin;

    /// <summary>How long a ReadYourWrites read waits for a replica to catch up before it goes to the leader.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Round-robin over every usable replica, nothing else to check: the fast path.</summary>
    public bool IsPlainRoundRobin =>
        Consistency != ReadConsistency.Strong && MaxLagBytes is null && MaxLag is null && PreferTags.Count == 0 &&
        RequireTags.Count == 0 && Choice == ReplicaChoice.RoundRobin;

    /// <summary>True when replica state (replay positions, leader samples) is needed to route.</summary>
    public bool NeedsReplicaState => MaxLagBytes is not null || MaxLag is not null || Choice == ReplicaChoice.LowestLatency;
}
