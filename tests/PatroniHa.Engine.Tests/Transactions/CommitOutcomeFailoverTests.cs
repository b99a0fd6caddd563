using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// COMMIT held on purpose (a deferred constraint trigger waits for an advisory lock the test holds), then the
/// leader goes away. Each answer is checked against the row on the final leader once the cluster settled: never
/// wrong, and with tracking never "unknown". One cluster (asynchronous replication, the session's default 30 s
/// health-check interval) serves every scenario; each leaves it healthy again.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class CommitOutcomeFailoverTests(ITestOutputHelper output)
{
    private const string Table = "held_commit";
    private const long LockKey = 4242;

    [Fact]
    public async Task HeldCommit_SwitchoverAndLeaderKill_AnswersMatchTheFinalLeader_AndAnInterruptedTransactionRunsAgainOnce()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        await using var cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 3, Scope = "tx-outcome" }, output.WriteLine);
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        ClusterOptions options = CommitAnswerCheck.SessionOptions(cluster);
        await using ClusterSession plain = await SessionFactory.ConnectAsync(options, CancellationToken.None);
        await using ClusterSession tracked = await SessionFactory.ConnectAsync(options, CancellationToken.None);
        await tracked.EnableCommitTrackingAsync(CancellationToken.None);
        await plain.ExecuteAsync(new QueryRequest(
            $"CREATE TABLE {Table} (id int PRIMARY KEY); " +
            $"CREATE FUNCTION {Table}_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({LockKey}); RETURN NULL; END $$; " +
            $"CREATE CONSTRAINT TRIGGER {Table}_hold AFTER INSERT ON {Table} DEFERRABLE INITIALLY DEFERRED " +
            $"FOR EACH ROW EXECUTE FUNCTION {Table}_hold()") { Shape = QueryShape.NonQuery }, null, CancellationToken.None);

        var answers = new List<string>();
        int id = 0;
        foreach ((string fault, Func<SandboxMember, Task> fail) in new (string, Func<SandboxMember, Task>)[]
                 {
                     ("switchover", old => SwitchoverAsync(cluster, old)),
                     ("SIGKILL of the leader", old => { old.Kill(); return Task.CompletedTask; }),
                 })
        {
            foreach (bool track in new[] { false, true })
            {
                ClusterSession session = track ? tracked : plain;
                id++;
                (string answer, int attempts) = await HeldCommitAsync(cluster, session, id, fail);
                await CommitAnswerCheck.RejoinAsync(cluster); // the cluster settles ...
                long truth = await CommitAnswerCheck.RowsOnLeaderAsync(cluster, Table, id); // ... and the truth is read on its leader
                answers.Add($"{fault}, tracking {(track ? "on" : "off")}: answer {answer} after {attempts} attempt(s); row on the final leader: {truth}");
                output.WriteLine(answers[^1]);
                CommitAnswerCheck.AssertMatches(answer, truth, track);
                while (session.Events.TryTake(out var e))
                    output.WriteLine($"  {e!.At:HH:mm:ss.fff} {e.Kind} {e.Message}");
                if (track)
                {
                    // The held run never committed; a re-run did (another may have met the leader change too).
                    Assert.Equal("committed", answer);
                    Assert.True(attempts >= 2, $"{attempts} attempt(s)");
                }
            }
        }

        // A transaction interrupted by a switchover before COMMIT runs again, once, and commits once.
        int runs = 0;
        id++;
        for (int number = 1; ; number++)
        {
            await using TransactionAttempt attempt = await plain.BeginTransactionAsync(new TransactionOptions(), number, CancellationToken.None);
            runs++;
            await attempt.ExecuteAsync(new QueryRequest($"INSERT INTO {Table} VALUES ({id})"), null, CancellationToken.None);
            if (number == 1)
                await SwitchoverAsync(cluster, cluster[attempt.Server.Name]);
            try
            {
                await attempt.ExecuteAsync(new QueryRequest($"INSERT INTO {Table} VALUES ({id + 1000})"), null, CancellationToken.None);
            }
            catch (PatroniHaException e)
            {
                output.WriteLine($"attempt {number}: {e.ErrorId}: {e.Message}");
            }
            // The advisory lock is free: COMMIT is not held in this scenario.
            TransactionEnd end = await attempt.EndAsync(blockSucceeded: true, CancellationToken.None);
            if (end == TransactionEnd.RunAgain)
                continue;
            Assert.Equal(TransactionEnd.Committed, end);
            break;
        }
        Assert.Equal(2, runs);
        Assert.Equal(1, await CommitAnswerCheck.RowsOnLeaderAsync(cluster, Table, id));
        Assert.Equal(1, await CommitAnswerCheck.RowsOnLeaderAsync(cluster, Table, id + 1000));
        foreach (string a in answers)
            output.WriteLine(a);
    }

    /// <summary>Starts a one-row transaction, waits until its COMMIT is held on the lock, fails the leader, and returns the answer.</summary>
    private async Task<(string Answer, int Attempts)> HeldCommitAsync(SandboxCluster cluster, ClusterSession session, int id,
        Func<SandboxMember, Task> fail)
    {
        SandboxMember leader = cluster[(await cluster.GetLeaderNameAsync())!];
        var holder = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader));
        await holder.OpenAsync();
        await SandboxTestSupport.ExecAsync(holder, $"SELECT pg_advisory_lock({LockKey})");
        Task<QueryResult> write = session.RunTransactionAsync(new QueryRequest($"INSERT INTO {Table} VALUES ({id})"),
            new TransactionOptions(), null, CancellationToken.None);
        await SandboxTestSupport.WaitUntilAsync(holder, "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'advisory'");
        await fail(leader);
        // The holder's server went away (switched over or killed): its lock goes with it.
        await holder.DisposeAsync();
        return await CommitAnswerCheck.AnswerOfAsync(write, output.WriteLine);
    }

    private static async Task SwitchoverAsync(SandboxCluster cluster, SandboxMember leader)
    {
        using var rest = new PatroniRestClient(new PatroniApiOptions { Endpoints = [leader.ApiUrl.ToString()] });
        await rest.SwitchoverAsync(leader.ApiUrl, leader.Name, null, null, CancellationToken.None);
        await cluster.WaitForNewLeaderAsync(leader.Name, TimeSpan.FromSeconds(60));
    }
}
