using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Fencing;

/// <summary>
/// The write lease's length and renewal cadence, derived from the cluster's own Patroni timing (GET /config),
/// never from the session's reporting interval.
/// </summary>
/// <remarks>
/// Why <see cref="Length"/> = ttl − loop_wait − retry_timeout, counted from the moment the confirming request
/// was SENT, is safe: the leader's Patroni answered "I hold the lock" at some moment after that send. A live
/// Patroni renews the lock every loop_wait, and an HA cycle gives up on the DCS after retry_timeout (then it
/// demotes PostgreSQL itself), so its last renewal was at most loop_wait + retry_timeout before the answer.
/// The lock key expires ttl after its last renewal, and no other member can take the lock (let alone be
/// promoted) before it expires. So the key lives at least until send + ttl − loop_wait − retry_timeout:
/// until then the confirmed member is the only leader, also if its Patroni was killed or frozen right after
/// answering (nothing then demotes its PostgreSQL — that is the zombie primary the lease exists for).
/// Patroni requires ttl ≥ loop_wait + 2 × retry_timeout, so the lease is at least retry_timeout long
/// (defaults 30/10/10: 10 s; the sandbox's 10/1/4: 5 s).
/// </remarks>
public sealed record LeaseTiming(TimeSpan Ttl, TimeSpan LoopWait, TimeSpan RetryTimeout)
{
    /// <summary>Patroni's defaults, used until /config has answered.</summary>
    public static readonly LeaseTiming PatroniDefaults = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

    private static readonly TimeSpan MinRenewal = TimeSpan.FromMilliseconds(100);

    public static LeaseTiming From(PatroniDynamicConfig config) => new(
        TimeSpan.FromSeconds(config.Ttl ?? 30),
        TimeSpan.FromSeconds(config.LoopWait ?? 10),
        TimeSpan.FromSeconds(config.RetryTimeout ?? 10));

    /// <summary>False when the cluster breaks Patroni's own rule (ttl &lt; loop_wait + retry_timeout): no lease is provably safe.</summary>
    public bool IsSound => Ttl - LoopWait - RetryTimeout > TimeSpan.Zero;

    /// <summary>How long a confirmation holds, from the moment its request was sent.</summary>
    public TimeSpan Length => IsSound ? Ttl - LoopWait - RetryTimeout : TimeSpan.Zero;

    /// <summary>
    /// How often the lease is renewed: every loop_wait (Patroni itself renews no more often, so asking more
    /// often learns nothing), but at least three times per lease so one lost request does not let it lapse.
    /// </summary>
    public TimeSpan RenewEvery => Max(Min(LoopWait, Length / 3), MinRenewal);

    /// <summary>A renewal that takes longer than this counts as "Patroni down" (a SIGSTOPped Patroni never answers).</summary>
    public TimeSpan RequestTimeout(TimeSpan apiTimeout) => Max(Min(apiTimeout, Length / 3), MinRenewal);

    public override string ToString() =>
        $"ttl {Ttl.TotalSeconds:0.#} s, loop_wait {LoopWait.TotalSeconds:0.#} s, retry_timeout {RetryTimeout.TotalSeconds:0.#} s: " +
        $"lease {Length.TotalSeconds:0.#} s, renewed every {RenewEvery.TotalSeconds:0.#} s";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
