using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// COMMIT reached the server and ran; its answer was lost on the way back (a relay swallows it and cuts the
/// client off). Checked against the row on the server: with tracking the answer is "committed", without it
/// "unknown" — never "failed".
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class LostCommitReplyTests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task ReplyToCommitLost_TrackedIsCommitted_UntrackedIsUnknown_AndBothMatchTheServer()
    {
        var cluster = fixture.Cluster;
        var leader = cluster[await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60))];
        string table = "lost_" + Guid.NewGuid().ToString("N")[..12];
        await using var relay = new ReplyDroppingRelay(leader.PgPort);
        var options = new ClusterOptions
        {
            Mode = ClusterMode.SingleNode,
            HostName = "127.0.0.1",
            Port = relay.Port,
            Credential = cluster.Superuser,
            FailoverTimeout = TimeSpan.FromSeconds(30),
        };
        await using var raw = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader));
        await raw.OpenAsync();
        await SandboxTestSupport.ExecAsync(raw, $"CREATE TABLE {table} (id int PRIMARY KEY)");
        int unknownUntracked = 0, unknownTracked = 0;
        try
        {
            // Untracked: the honest answer is "unknown".
            await using (ClusterSession plain = await SessionFactory.ConnectAsync(options, CancellationToken.None))
            {
                await plain.ExecuteAsync(new QueryRequest("SELECT 1"), null, CancellationToken.None); // a connection past login
                relay.Arm();
                var e = await Assert.ThrowsAsync<PatroniHaException>(() => plain.ExecuteAsync(
                    new QueryRequest($"INSERT INTO {table} VALUES (1)") { Shape = QueryShape.NonQuery }, null, CancellationToken.None));
                await relay.Dropped;
                Assert.Equal(PatroniErrorIds.CommitOutcomeUnknown, e.ErrorId);
                unknownUntracked++;
                Assert.Equal(1L, await Scalar(raw, $"SELECT count(*) FROM {table} WHERE id = 1")); // it did commit
            }

            // A single write: settled as committed, not run again.
            await using var relayTracked = new ReplyDroppingRelay(leader.PgPort);
            await using ClusterSession trackedViaRelay = await SessionFactory.ConnectAsync(options with { Port = relayTracked.Port }, CancellationToken.None);
            await trackedViaRelay.EnableCommitTrackingAsync(CancellationToken.None);
            await trackedViaRelay.ExecuteAsync(new QueryRequest("SELECT 1") { ReadOnly = true }, null, CancellationToken.None);
            relayTracked.Arm();
            QueryResult single = await trackedViaRelay.ExecuteAsync(
                new QueryRequest($"INSERT INTO {table} VALUES (2)") { Shape = QueryShape.NonQuery }, null, CancellationToken.None);
            await relayTracked.Dropped;
            Assert.Equal(1, single.Attempts);
            Assert.Equal(1L, await Scalar(raw, $"SELECT count(*) FROM {table} WHERE id = 2"));

            // A transaction whose COMMIT answer is lost: committed, run once.
            await using var relayTx = new ReplyDroppingRelay(leader.PgPort);
            await using ClusterSession txSession = await SessionFactory.ConnectAsync(options with { Port = relayTx.Port }, CancellationToken.None);
            await txSession.EnableCommitTrackingAsync(CancellationToken.None);
            await using (TransactionAttempt attempt = await txSession.BeginTransactionAsync(new TransactionOptions(), 1, CancellationToken.None))
            {
                await attempt.ExecuteAsync(new QueryRequest($"INSERT INTO {table} VALUES (3)"), null, CancellationToken.None);
                relayTx.Arm(); // the next thing sent is the marker and COMMIT
                TransactionEnd end;
                try
                {
                    end = await attempt.EndAsync(blockSucceeded: true, CancellationToken.None);
                }
                catch (PatroniHaException ex) when (ex.ErrorId == PatroniErrorIds.CommitOutcomeUnknown)
                {
                    unknownTracked++;
                    throw;
                }
                await relayTx.Dropped;
                Assert.Equal(TransactionEnd.Committed, end);
            }
            Assert.Equal(1L, await Scalar(raw, $"SELECT count(*) FROM {table} WHERE id = 3"));
            output.WriteLine($"lost COMMIT reply: outcome-unknown without tracking {unknownUntracked}, with tracking {unknownTracked}");
        }
        finally
        {
            await SandboxTestSupport.ExecAsync(raw, $"DROP TABLE IF EXISTS {table}");
        }
    }


    private static async Task<long> Scalar(NpgsqlConnection c, string sql)
    {
        await using var command = new NpgsqlCommand(sql, c);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
