using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PatroniHa.Engine.Tests.Routing;

/// <summary>
/// A 4-member sandbox for read routing: n1..n3 in datacenters a, b, c; n4 tagged noloadbalance and
/// nofailover (never the leader, never a reader). Tables: <c>rows</c> for data, <c>stall</c> only for the
/// lock conflict that stalls a replica's replay (so reads of <c>rows</c> there never queue behind it).
/// </summary>
public sealed class ReadRoutingClusterFixture(IMessageSink diagnostics) : SandboxClusterFixture(diagnostics, Options)
{
    private static readonly SandboxOptions Options = new()
    {
        Scope = "reads",
        Nodes = 4,
        MemberTags = new Dictionary<string, IReadOnlyDictionary<string, object>>
        {
            ["n1"] = new Dictionary<string, object> { ["datacenter"] = "a" },
            ["n2"] = new Dictionary<string, object> { ["datacenter"] = "b" },
            ["n3"] = new Dictionary<string, object> { ["datacenter"] = "c" },
            ["n4"] = new Dictionary<string, object> { ["datacenter"] = "d", ["noloadbalance"] = true, ["nofailover"] = true },
        },
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ExecuteAsync(Leader, "CREATE TABLE rows (id bigint PRIMARY KEY); CREATE TABLE stall (x int); INSERT INTO stall VALUES (1);" +
                                   "CREATE EXTENSION pg_walinspect;");
    }

    /// <summary>The leader, once the cluster is healthy again (a loaded machine can make Patroni drop the leader lock for a moment).</summary>
    public SandboxMember Leader => Cluster[Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)).GetAwaiter().GetResult()];

    /// <summary>The replicas that may serve reads (all but the leader and n4), in name order.</summary>
    public IReadOnlyList<SandboxMember> Readers
    {
        get
        {
            string leader = Leader.Name;
            return Cluster.Members.Where(m => m.Name != leader && m.Name != "n4").OrderBy(m => m.Name).ToList();
        }
    }

    public static string Datacenter(SandboxMember m) => m.Name switch { "n1" => "a", "n2" => "b", "n3" => "c", _ => "d" };

    public Task<ClusterSession> ConnectAsync() => SessionFactory.ConnectAsync(new ClusterOptions
    {
        // The session's defaults otherwise (30 s health checks, asynchronous replication).
        Api = new PatroniApiOptions { Endpoints = Cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = Cluster.Superuser,
    }, CancellationToken.None);

    public async Task ExecuteAsync(SandboxMember member, string sql)
    {
        await using var connection = new NpgsqlConnection(SandboxTestSupport.ConnectionString(Cluster, member));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task<T> ScalarAsync<T>(SandboxMember member, string sql) => SandboxTestSupport.ScalarAsync<T>(Cluster, member, sql);

    /// <summary>
    /// Stalls <paramref name="replica"/>'s replay with a lock conflict: a transaction there holds a lock on
    /// <c>stall</c>, the leader commits an ACCESS EXCLUSIVE lock on it, and replay waits (up to
    /// max_standby_streaming_delay, 30 s) behind the reader. Returns once WAL written after the lock has
    /// provably reached the replica but not been replayed. Disposing ends the stall.
    /// </summary>
    public async Task<ReplayStall> StallAsync(SandboxMember replica)
    {
        var holder = new NpgsqlConnection(SandboxTestSupport.ConnectionString(Cluster, replica));
        await holder.OpenAsync();
        await using (var hold = new NpgsqlCommand("BEGIN; SELECT 1 FROM stall LIMIT 1;", holder))
            await hold.ExecuteNonQueryAsync();
        await ExecuteAsync(Leader, "BEGIN; LOCK TABLE stall IN ACCESS EXCLUSIVE MODE; COMMIT;");
        string after = await ScalarAsync<string>(Leader, "SELECT pg_current_wal_insert_lsn()::text");
        for (int i = 0; i < 200; i++)
        {
            bool received = await ScalarAsync<bool>(replica, $"SELECT pg_last_wal_receive_lsn() >= '{after}'::pg_lsn");
            bool replayed = await ScalarAsync<bool>(replica, $"SELECT pg_last_wal_replay_lsn() >= '{after}'::pg_lsn");
            if (received && !replayed)
                return new ReplayStall(holder);
            Assert.False(replayed, $"{replica.Name} replayed past the lock: replay did not stall.");
            await Task.Delay(50);
        }
        await holder.DisposeAsync();
        throw new XunitException($"WAL after the lock never reached {replica.Name}.");
    }

    public sealed class ReplayStall(NpgsqlConnection holder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await holder.DisposeAsync();
    }
}
