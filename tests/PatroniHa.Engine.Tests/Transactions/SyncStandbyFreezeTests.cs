using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// <c>synchronous_mode: true</c>: the synchronous standby is frozen (Patroni and PostgreSQL SIGSTOPped), a write
/// commits locally on the primary and waits in SyncRep, the primary is SIGKILLed, the standby SIGCONTed and
/// promoted. The commit record was already sent when COMMIT began to wait: the kernel holds it in the frozen
/// walreceiver's socket buffer, so the promoted standby has the row ("committed"). A backlog of unsent WAL large
/// enough to keep it off the standby (more than the socket buffers) is also more than Patroni's
/// maximum_lag_on_failover (1 MB): Patroni then promotes nobody until the old primary returns. The module's answer is checked against the row on the final leader once the cluster settled: never
/// wrong, and with tracking never "unknown". The session's default settings (30 s health-check interval).
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class SyncStandbyFreezeTests(ITestOutputHelper output)
{
    private const string Table = "sync_held";

    [Fact]
    public async Task CommitWaitingInSyncRep_PrimaryKilledWhileTheSyncStandbyIsFrozen_AnswersMatchTheFinalLeader()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(
            new SandboxOptions { Nodes = 3, Scope = "tx-syncrep", SynchronousMode = true }, output.WriteLine);
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        ClusterOptions options = CommitAnswerCheck.SessionOptions(cluster);
        await using ClusterSession plain = await SessionFactory.ConnectAsync(options, CancellationToken.None);
        await using ClusterSession tracked = await SessionFactory.ConnectAsync(options, CancellationToken.None);
        await tracked.EnableCommitTrackingAsync(CancellationToken.None);
        await plain.ExecuteAsync(new QueryRequest($"CREATE TABLE {Table} (id int PRIMARY KEY)") { Shape = QueryShape.NonQuery },
            null, CancellationToken.None);

        var answers = new List<string>();
        int id = 0;
        foreach (bool track in new[] { false, true })
        {
            ClusterSession session = track ? tracked : plain;
            id++;
            (string answer, int attempts, string promoted) = await CommitInSyncRepAsync(cluster, session, id);
            await CommitAnswerCheck.RejoinAsync(cluster); // the killed primary comes back (rewound) ...
            long truth = await CommitAnswerCheck.RowsOnLeaderAsync(cluster, Table, id); // ... and the truth is read on the final leader
            answers.Add($"tracking {(track ? "on" : "off")}: answer {answer} after {attempts} attempt(s); promoted {promoted}; row on the final leader: {truth}");
            output.WriteLine(answers[^1]);
            while (session.Events.TryTake(out var e))
                output.WriteLine($"  {e!.At:HH:mm:ss.fff} {e.Kind} {e.Message}");
            CommitAnswerCheck.AssertMatches(answer, truth, track);
        }
        foreach (string a in answers)
            output.WriteLine(a);
    }

    /// <summary>Freezes the sync standby, starts a one-row transaction, waits until its COMMIT waits in SyncRep,
    /// kills the primary, thaws the standby, and returns the answer and the member promoted.</summary>
    private async Task<(string Answer, int Attempts, string Promoted)> CommitInSyncRepAsync(SandboxCluster cluster,
        ClusterSession session, int id)
    {
        SandboxMember leader = cluster[(await cluster.GetLeaderNameAsync())!];
        var watcher = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader));
        await watcher.OpenAsync();
        await SandboxTestSupport.WaitUntilAsync(watcher, "SELECT count(*) > 0 FROM pg_stat_replication WHERE sync_state = 'sync'");
        await using (var command = new NpgsqlCommand("SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync' LIMIT 1", watcher))
        {
            string syncName = (string)(await command.ExecuteScalarAsync())!;
            SandboxMember standby = cluster[syncName];
            output.WriteLine($"leader {leader.Name}, synchronous standby {standby.Name}: freezing it");
            standby.Freeze();
            Task<QueryResult> write;
            try
            {
                write = session.RunTransactionAsync(new QueryRequest($"INSERT INTO {Table} VALUES ({id})"),
                    new TransactionOptions(), null, CancellationToken.None);
                await SandboxTestSupport.WaitUntilAsync(watcher, "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
                await using (var unsent = new NpgsqlCommand(
                                 $"SELECT pg_current_wal_lsn() - sent_lsn FROM pg_stat_replication WHERE application_name = '{syncName}'", watcher))
                    output.WriteLine($"COMMIT waits in SyncRep on {leader.Name} ({await unsent.ExecuteScalarAsync()} bytes of WAL not sent to {syncName}): killing it");
                leader.Kill();
            }
            finally
            {
                standby.Thaw();
            }
            await watcher.DisposeAsync();
            (string answer, int attempts) = await CommitAnswerCheck.AnswerOfAsync(write, output.WriteLine);
            string promoted = await cluster.WaitForNewLeaderAsync(leader.Name, TimeSpan.FromSeconds(90));
            return (answer, attempts, promoted);
        }
    }
}
