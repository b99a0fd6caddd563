using System.Text.Json;

namespace PatroniHa.Engine.Patroni;

/// <summary>The cluster-wide dynamic configuration (GET /config). Unset keys are null.</summary>
/// <param name="Raw">The whole document, for keys this record does not name (postgresql.parameters …).</param>
public sealed record PatroniDynamicConfig(
    int? Ttl,
    int? LoopWait,
    int? RetryTimeout,
    long? MaximumLagOnFailover,
    bool? SynchronousMode,
    bool? SynchronousModeStrict,
    bool Paused,
    JsonElement Raw)
{
    /// <summary>4.1+: synchronous_mode: quorum.</summary>
    public bool QuorumCommit { get; init; }

    public bool? FailsafeMode { get; init; }

    public bool? CheckTimeline { get; init; }

    public int? PrimaryStartTimeout { get; init; }
}
