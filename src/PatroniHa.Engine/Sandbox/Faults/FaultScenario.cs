using Npgsql;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Engine.Sandbox.Faults;

/// <summary>What a fault acts on: the sandbox, the leader and one replica when it struck, the session under test.</summary>
public sealed record FaultContext(SandboxCluster Cluster, string Leader, string Replica, ClusterSession Session,
    Action<string> Log, CancellationToken Ct)
{
    public SandboxMember LeaderMember => Cluster[Leader];

    public SandboxMember ReplicaMember => Cluster[Replica];
}

/// <summary>
/// One fault the project knows: how to cause it, how long it lasts, how to undo it (so the next scenario can
/// reuse the cluster). Every scenario runs under continuous writes and reads (<see cref="FaultRunner"/>).
/// </summary>
public sealed record FaultScenario(string Name, string Description, TimeSpan Hold,
    Func<FaultContext, Task> Inject, Func<FaultContext, Task> Undo)
{
    public override string ToString() => Name;

    private static readonly TimeSpan AfterElection = TimeSpan.FromSeconds(20); // ttl 10 + promotion + margin

    /// <summary>Patroni SIGKILLed on the leader, PostgreSQL left running: a zombie primary.</summary>
    public static readonly FaultScenario ZombiePrimary = new("zombie-primary",
        "Patroni SIGKILLed on the leader, its PostgreSQL keeps running", AfterElection,
        c => Run(c.LeaderMember.KillPatroni), c => c.LeaderMember.StartAsync(c.Ct));

    /// <summary>
    /// Patroni SIGSTOPped on the leader until another member is elected: its REST API accepts connections and never
    /// answers. Undone by SIGKILL and a restart, not SIGCONT: a Patroni 3.0.2 resumed after the election takes the
    /// leader key back (etcd3 <c>_update_leader</c> PUTs the key without comparing, once its expired lease is
    /// re-granted) and the elected member's acknowledged writes are rewound away — a server-side loss no client
    /// can prevent (measured: 259–468 writes). <see cref="FrozenPatroniBrief"/> covers a resume.
    /// </summary>
    public static readonly FaultScenario FrozenPatroni = new("frozen-patroni",
        "Patroni SIGSTOPped on the leader (REST API hangs) until another member is elected, then SIGKILLed and restarted",
        AfterElection,
        c => Run(c.LeaderMember.SuspendApi), c => c.LeaderMember.RestartFrozenPatroniAsync(c.Ct));

    /// <summary>
    /// Patroni SIGSTOPped on the leader for less than ttl, then resumed: the session's lease runs out (writes
    /// pause), nobody is elected, and writes resume on the same leader once its Patroni answers again.
    /// </summary>
    public static readonly FaultScenario FrozenPatroniBrief = new("frozen-patroni-brief",
        "Patroni SIGSTOPped on the leader for 8 s (< ttl, no election), then SIGCONTed", TimeSpan.FromSeconds(8),
        c => Run(c.LeaderMember.SuspendApi), c => Run(c.LeaderMember.ResumeApi));

    /// <summary>etcd SIGSTOPped: the leader demotes itself after retry_timeout; nobody can be elected.</summary>
    public static readonly FaultScenario FrozenDcs = new("frozen-etcd",
        "etcd SIGSTOPped (the leader demotes itself), then resumed", TimeSpan.FromSeconds(15),
        c => Run(c.Cluster.SuspendEtcd), c => Run(c.Cluster.ResumeEtcd));

    /// <summary>
    /// A replica promoted by hand (pg_promote()) while the leader still runs: two primaries. The replica's Patroni
    /// is frozen first (else it demotes the rogue primary within a loop_wait, too soon to matter); undone by
    /// resuming it and reinitializing the replica from the leader (its timeline diverged).
    /// </summary>
    public static readonly FaultScenario SplitBrain = new("split-brain",
        "a replica's Patroni SIGSTOPped and the replica promoted by hand with pg_promote() while the leader runs",
        TimeSpan.FromSeconds(10),
        async c =>
        {
            c.ReplicaMember.SuspendApi();
            await PromoteReplicaByHandAsync(c).ConfigureAwait(false);
        },
        async c =>
        {
            c.ReplicaMember.ResumeApi();
            await c.ReplicaMember.ReinitializeAsync(c.Log, c.Ct).ConfigureAwait(false);
        });

    /// <summary>Planned switchover through Patroni's REST API.</summary>
    public static readonly FaultScenario Switchover = new("switchover",
        "POST /switchover to a replica", TimeSpan.FromSeconds(5),
        async c =>
        {
            using var client = new PatroniRestClient(c.Session.Options.Api);
            await client.SwitchoverAsync(c.LeaderMember.ApiUrl, c.Leader, c.Replica, null, c.Ct).ConfigureAwait(false);
        }, c => Task.CompletedTask);

    /// <summary>The leader's Patroni and PostgreSQL SIGKILLed (a crashed host).</summary>
    public static readonly FaultScenario LeaderKilled = new("leader-sigkill",
        "the leader's Patroni and PostgreSQL SIGKILLed", AfterElection,
        c => Run(c.LeaderMember.Kill), c => c.LeaderMember.StartAsync(c.Ct));

    /// <summary>A replica's Patroni and PostgreSQL SIGKILLed.</summary>
    public static readonly FaultScenario ReplicaDown = new("replica-down",
        "a replica's Patroni and PostgreSQL SIGKILLed", TimeSpan.FromSeconds(8),
        c => Run(c.ReplicaMember.Kill), c => c.ReplicaMember.StartAsync(c.Ct));

    /// <summary>One replica's REST endpoint frozen (Patroni SIGSTOPped there).</summary>
    public static readonly FaultScenario OneRestEndpointDown = new("one-rest-down",
        "a replica's Patroni SIGSTOPped (one REST endpoint hangs)", TimeSpan.FromSeconds(8),
        c => Run(c.ReplicaMember.SuspendApi), c => Run(c.ReplicaMember.ResumeApi));

    /// <summary>
    /// Every REST endpoint frozen (every Patroni SIGSTOPped) for less than ttl, so no election follows: the
    /// session can confirm nobody, and writes must stop once the lease runs out.
    /// </summary>
    public static readonly FaultScenario AllRestEndpointsDown = new("all-rest-down",
        "every Patroni SIGSTOPped for 8 s (< ttl), PostgreSQL keeps running", TimeSpan.FromSeconds(8),
        c => Run(() => { foreach (var m in c.Cluster.Members) m.SuspendApi(); }),
        c => Run(() => { foreach (var m in c.Cluster.Members) m.ResumeApi(); }));

    /// <summary>Every scenario, in an order where each leaves the cluster healthy for the next (split brain last).</summary>
    public static IReadOnlyList<FaultScenario> All { get; } =
    [
        Switchover, ReplicaDown, OneRestEndpointDown, AllRestEndpointsDown, FrozenPatroniBrief, FrozenDcs, ZombiePrimary, FrozenPatroni,
        LeaderKilled, SplitBrain,
    ];

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static async Task PromoteReplicaByHandAsync(FaultContext c)
    {
        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = c.ReplicaMember.PgPort, Database = "postgres",
            Username = c.Cluster.Superuser.UserName, Password = c.Cluster.Superuser.Password, Pooling = false,
        };
        await using var connection = new NpgsqlConnection(csb.ConnectionString);
        await connection.OpenAsync(c.Ct).ConfigureAwait(false);
        await using var promote = new NpgsqlCommand("SELECT pg_promote(true, 30)", connection);
        object? done = await promote.ExecuteScalarAsync(c.Ct).ConfigureAwait(false);
        c.Log($"pg_promote() on {c.Replica}: {done}");
    }
}
