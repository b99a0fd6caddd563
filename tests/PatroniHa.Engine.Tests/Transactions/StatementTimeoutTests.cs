using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// A statement that runs past its timeout (-TimeoutSec) on a healthy cluster: one honest error at once, never a
/// retry that times out again, never a failover alarm. The session keeps the module's default settings.
/// Sequences count the runs: nextval is not rolled back with the statement that called it.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class StatementTimeoutTests(SharedClusterFixture fixture) : IAsyncLifetime
{
    private readonly string _name = "to_" + Guid.NewGuid().ToString("N")[..12];
    private ClusterSession _session = null!;

    public async Task InitializeAsync()
    {
        await fixture.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        _session = await SessionFactory.ConnectAsync(SandboxTestSupport.DefaultSessionOptions(fixture.Cluster), CancellationToken.None);
        await Run($"CREATE TABLE {_name} (id int PRIMARY KEY); CREATE SEQUENCE {_name}_runs");
        await Run($"SELECT nextval('{_name}_runs')"); // from now on last_value counts the runs
    }

    public async Task DisposeAsync()
    {
        await Run($"DROP TABLE IF EXISTS {_name}; DROP SEQUENCE IF EXISTS {_name}_runs");
        await _session.DisposeAsync();
    }

    private Task<QueryResult> Run(string sql, QueryShape shape = QueryShape.NonQuery, bool readOnly = false) =>
        _session.ExecuteAsync(new QueryRequest(sql) { Shape = shape, ReadOnly = readOnly }, null, CancellationToken.None);

    private async Task<long> RunsAsync() =>
        Convert.ToInt64((await Run($"SELECT last_value FROM {_name}_runs", QueryShape.Scalar)).Value);

    private async Task<PatroniHaException> TimesOutAsync(QueryRequest request)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.ExecuteAsync(request, null, CancellationToken.None));
        // Not a speed check: a retried statement would keep going until the 30 s failover timeout.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: {e.Message}");
        Assert.False(((Engine.Routing.PatroniBackend)_session.Backend).Monitor.IsHandlingFailover, "a slow statement is no failover");
        Assert.Contains("-TimeoutSec", e.Message);
        return e;
    }

    [Fact]
    public async Task ARead_FailsOnceWithQueryTimeout()
    {
        PatroniHaException e = await TimesOutAsync(new QueryRequest("SELECT pg_sleep(5)") { ReadOnly = true, TimeoutSeconds = 1 });
        Assert.Equal(PatroniErrorIds.QueryTimeout, e.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, e.Kind);
        // The replica it ran on is still used: a slow query says nothing about the server.
        Assert.Equal(1, (await Run("SELECT 1", QueryShape.Scalar, readOnly: true)).Value);
    }

    [Fact]
    public async Task AWrite_IsOutcomeUnknown_AndNotRunAgain_EvenIdempotent()
    {
        foreach (bool idempotent in new[] { false, true })
        {
            long before = await RunsAsync();
            PatroniHaException e = await TimesOutAsync(new QueryRequest(
                $"INSERT INTO {_name} SELECT id FROM (SELECT nextval('{_name}_runs')::int AS id, pg_sleep(5)) AS run") { TimeoutSeconds = 1, Idempotent = idempotent });
            Assert.Equal(PatroniErrorIds.CommitOutcomeUnknown, e.ErrorId);
            Assert.Equal(FailureKind.OperationTimeout, e.Kind);
            Assert.Equal(before + 1, await RunsAsync());
        }
    }

    [Fact]
    public async Task ATransaction_FailsWithQueryTimeout_RolledBack_NotRunAgain()
    {
        var batch = new QueryRequest($"INSERT INTO {_name} VALUES (1);\nSELECT nextval('{_name}_runs'), pg_sleep(5)") { TimeoutSeconds = 1 };
        long before = await RunsAsync();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.RunTransactionAsync(batch,
            new TransactionOptions { TimeoutSeconds = 1 }, null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.QueryTimeout, e.ErrorId);
        Assert.Contains("nothing of it committed", e.Message);
        Assert.Equal(before + 1, await RunsAsync());
        Assert.Equal(0L, Convert.ToInt64((await Run($"SELECT count(*) FROM {_name}", QueryShape.Scalar)).Value));
    }

    [Fact]
    public async Task ATrackedWrite_IsSettled_NotCommitted_AndNotRunAgain()
    {
        await _session.EnableCommitTrackingAsync(CancellationToken.None);
        long before = await RunsAsync();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.ExecuteAsync(new QueryRequest(
            $"INSERT INTO {_name} SELECT id FROM (SELECT nextval('{_name}_runs')::int AS id, pg_sleep(5)) AS run") { TimeoutSeconds = 1 }, null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.QueryTimeout, e.ErrorId);
        Assert.Contains("did not commit", e.Message);
        Assert.Equal(before + 1, await RunsAsync());
        Assert.Equal(0L, Convert.ToInt64((await Run($"SELECT count(*) FROM {_name}", QueryShape.Scalar)).Value));
    }

    [Fact]
    public async Task AfterAWriteOfUnknownOutcome_ReadYourWritesGoesToTheLeader()
    {
        _session.Reads.DefaultPolicy = _session.Reads.DefaultPolicy with { Consistency = ReadConsistency.ReadYourWrites };
        await Run($"INSERT INTO {_name} VALUES (100)"); // a position is known
        await Assert.ThrowsAsync<PatroniHaException>(() => _session.ExecuteAsync(new QueryRequest(
            $"INSERT INTO {_name} SELECT 101 FROM pg_sleep(5)") { TimeoutSeconds = 1 }, null, CancellationToken.None));
        // The unknown write may be on the leader only: a replica at the older position must not answer.
        string leader = _session.Backend.Topology!.Leader!.Name;
        for (int i = 0; i < 5; i++)
            Assert.Equal(leader, (await Run($"SELECT count(*) FROM {_name}", QueryShape.Scalar, readOnly: true)).Server.Name);
    }

    [Fact]
    public async Task TransactionControlInAPlainWrite_IsRefusedBeforeSending()
    {
        foreach (string sql in new[] { $"BEGIN; INSERT INTO {_name} VALUES (200)", $"INSERT INTO {_name} VALUES (201); COMMIT; INSERT INTO {_name} VALUES (202)" })
        {
            var e = await Assert.ThrowsAsync<PatroniHaException>(() => Run(sql));
            Assert.Equal(PatroniErrorIds.TransactionControlRefused, e.ErrorId);
            Assert.Contains("Invoke-PatroniTransaction", e.Message);
        }
        Assert.Equal(0L, Convert.ToInt64((await Run($"SELECT count(*) FROM {_name} WHERE id >= 200", QueryShape.Scalar)).Value));
        // A read-only snapshot may still use a transaction block.
        Assert.Equal(1, (await Run("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1", QueryShape.Scalar, readOnly: true)).Value);
    }
}
