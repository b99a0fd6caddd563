using Npgsql;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Failover;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// Transactions, commit markers and honest answers on the shared cluster (nothing here changes its members:
/// every test works in tables of its own).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class TransactionTests(SharedClusterFixture fixture) : IAsyncLifetime
{
    private readonly string _table = "tx_" + Guid.NewGuid().ToString("N")[..12];
    private ClusterSession _session = null!;

    public async Task InitializeAsync()
    {
        await fixture.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        _session = await SessionFactory.ConnectAsync(SandboxTestSupport.FastSessionOptions(fixture.Cluster), CancellationToken.None);
        await Run($"CREATE TABLE {_table} (id int PRIMARY KEY, note text)");
    }

    public async Task DisposeAsync()
    {
        await Run($"DROP TABLE IF EXISTS {_table}");
        await _session.DisposeAsync();
    }

    private Task<QueryResult> Run(string sql, QueryShape shape = QueryShape.NonQuery) =>
        _session.ExecuteAsync(new QueryRequest(sql) { Shape = shape }, null, CancellationToken.None);

    private async Task<long> CountAsync(string where = "true") =>
        Convert.ToInt64((await Run($"SELECT count(*) FROM {_table} WHERE {where}", QueryShape.Scalar)).Value);

    [Fact]
    public async Task InsertReturningAnUnreadableType_IsReportedAsCommitted_NotAsFailed()
    {
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => Run(
            $"INSERT INTO {_table} (id, note) VALUES (1, 'a') RETURNING '{_table}'::regclass", QueryShape.Rows));
        Assert.Equal(PatroniErrorIds.ResultUnreadable, e.ErrorId);
        Assert.Contains("COMMITTED", e.Message);
        Assert.Equal(1, await CountAsync("id = 1"));

        e = await Assert.ThrowsAsync<PatroniHaException>(() => Run(
            $"INSERT INTO {_table} (id, note) VALUES (2, 'b') RETURNING '{_table}'::regclass", QueryShape.Scalar));
        Assert.Equal(PatroniErrorIds.ResultUnreadable, e.ErrorId);
        Assert.Equal(1, await CountAsync("id = 2"));
    }

    [Fact]
    public async Task AStatementErrorAfterAnUnreadableRow_IsStillTheServersNo()
    {
        // The second row violates the key: the server's ERROR comes after the unreadable first row, and wins.
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => Run(
            $"INSERT INTO {_table} (id) SELECT 7 FROM generate_series(1, 2) RETURNING '{_table}'::regclass", QueryShape.Rows));
        Assert.Equal(PatroniErrorIds.QueryFailed, e.ErrorId);
        Assert.Contains("23505", e.Message);
        Assert.Equal(0, await CountAsync("id = 7"));
    }

    [Fact]
    public async Task AQueryMeetingADisconnectedSession_IsNotConnected_NotQueryFailed()
    {
        var session = await SessionFactory.ConnectAsync(SandboxTestSupport.FastSessionOptions(fixture.Cluster), CancellationToken.None);
        var backend = session.Backend;
        await session.DisposeAsync();
        // The statement had already passed the session's own check when Disconnect closed the pools under it.
        var executor = new QueryExecutor(session.Statistics);
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => executor.ExecuteAsync(backend,
            new QueryRequest($"INSERT INTO {_table} (id) VALUES (3)"), null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.NotConnected, e.ErrorId);
        e = await Assert.ThrowsAsync<PatroniHaException>(() => session.ExecuteAsync(
            new QueryRequest("SELECT 1"), null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.NotConnected, e.ErrorId);
        Assert.Equal(0, await CountAsync("id = 3"));
    }

    [Fact]
    public async Task StatementBatch_CommitsTogether_AndRowsComeAfterCommit()
    {
        var rows = new CollectingSink();
        QueryResult r = await _session.RunTransactionAsync(new QueryRequest(
                $"INSERT INTO {_table} (id) VALUES (10);\nINSERT INTO {_table} (id) VALUES (@id);\nSELECT count(*) AS n FROM {_table} WHERE id >= 10")
            { Parameters = new Dictionary<string, object?> { ["id"] = 11 } },
            new TransactionOptions(), rows, CancellationToken.None);
        Assert.Equal(1, r.Attempts);
        Assert.Equal(2L, Assert.Single(rows.Rows)[0]);
        Assert.Equal(2, await CountAsync("id >= 10"));
    }

    [Fact]
    public async Task AFailingStatement_RollsBackEverything_AndIsNotRunAgain()
    {
        await Run($"INSERT INTO {_table} (id) VALUES (20)");
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.RunTransactionAsync(new QueryRequest(
            $"INSERT INTO {_table} (id) VALUES (21); INSERT INTO {_table} (id) VALUES (20)"),
            new TransactionOptions(), null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.QueryFailed, e.ErrorId);
        Assert.Contains("nothing of it committed", e.Message);
        Assert.Equal(0, await CountAsync("id = 21"));
    }

    [Fact]
    public async Task UserCommitInside_IsRefusedBeforeSending()
    {
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.RunTransactionAsync(new QueryRequest(
            $"INSERT INTO {_table} (id) VALUES (30); COMMIT; INSERT INTO {_table} (id) VALUES (31)"),
            new TransactionOptions(), null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.TransactionControlRefused, e.ErrorId);
        Assert.Equal(0, await CountAsync("id IN (30, 31)"));
    }

    [Fact]
    public async Task ScriptedAttempt_ABlockThatFails_IsRolledBack()
    {
        await using (TransactionAttempt attempt = await _session.BeginTransactionAsync(new TransactionOptions(), 1, CancellationToken.None))
        {
            await attempt.ExecuteAsync(new QueryRequest($"INSERT INTO {_table} (id) VALUES (40)") { Shape = QueryShape.NonQuery }, null, CancellationToken.None);
            // Inside, the transaction sees its own row.
            QueryResult seen = await attempt.ExecuteAsync(new QueryRequest($"SELECT count(*) FROM {_table} WHERE id = 40")
                { Shape = QueryShape.Scalar, ReadOnly = true }, null, CancellationToken.None);
            Assert.Equal(1L, seen.Value);
            Assert.Equal(TransactionEnd.RolledBack, await attempt.EndAsync(blockSucceeded: false, CancellationToken.None));
        }
        Assert.Equal(0, await CountAsync("id = 40"));
    }

    [Fact]
    public async Task SerializationFailureBeforeCommit_RunsTheWholeTransactionAgain_Once()
    {
        string seq = _table + "_seq";
        await Run($"CREATE SEQUENCE {seq}; CREATE FUNCTION {_table}_fail_once() RETURNS int LANGUAGE plpgsql AS $$ " +
                  $"BEGIN IF nextval('{seq}') = 1 THEN RAISE EXCEPTION 'first run' USING ERRCODE = '40001'; END IF; RETURN 1; END $$");
        QueryResult r = await _session.RunTransactionAsync(new QueryRequest(
            $"INSERT INTO {_table} (id) VALUES (50); SELECT {_table}_fail_once()"), new TransactionOptions(), null, CancellationToken.None);
        Assert.Equal(2, r.Attempts);
        Assert.Equal(1, await CountAsync("id = 50"));
        await Run($"DROP FUNCTION {_table}_fail_once(); DROP SEQUENCE {seq}");
    }

    [Fact]
    public async Task AnErrorAnswerToCommit_ProvesNothingCommitted_AndA40001ThereRunsItAgain()
    {
        string seq = _table + "_cseq";
        // A deferred constraint trigger runs at COMMIT: the first COMMIT answers 40001, the second commits.
        await Run($"CREATE SEQUENCE {seq}; CREATE FUNCTION {_table}_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ " +
                  $"BEGIN IF nextval('{seq}') = 1 THEN RAISE EXCEPTION 'at commit' USING ERRCODE = '40001'; END IF; RETURN NULL; END $$; " +
                  $"CREATE CONSTRAINT TRIGGER {_table}_commit_check AFTER INSERT ON {_table} DEFERRABLE INITIALLY DEFERRED " +
                  $"FOR EACH ROW WHEN (NEW.id = 60) EXECUTE FUNCTION {_table}_at_commit()");
        QueryResult r = await _session.RunTransactionAsync(new QueryRequest($"INSERT INTO {_table} (id) VALUES (60)"),
            new TransactionOptions(), null, CancellationToken.None);
        Assert.Equal(2, r.Attempts);
        Assert.Equal(1, await CountAsync("id = 60"));

        // With one attempt allowed, the same failure is reported, with nothing committed.
        await Run($"SELECT setval('{seq}', 1, false)");
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.RunTransactionAsync(
            new QueryRequest($"UPDATE {_table} SET note = 'x' WHERE id = 60; DELETE FROM {_table} WHERE id = 60; INSERT INTO {_table} (id) VALUES (60)"),
            new TransactionOptions { MaxAttempts = 1 }, null, CancellationToken.None));
        Assert.Equal(PatroniErrorIds.QueryFailed, e.ErrorId);
        Assert.Contains("COMMIT was refused", e.Message);
        Assert.Equal(0, await CountAsync("note = 'x'"));
    }

    [Fact]
    public async Task TrackedWrites_WriteTheirMarker_AndCountOnlyTheirOwnRows()
    {
        await _session.EnableCommitTrackingAsync(CancellationToken.None);
        QueryResult r = await Run($"INSERT INTO {_table} (id) VALUES (70), (71)");
        Assert.Equal(2, r.Value);
        // A statement that cannot run inside BEGIN … COMMIT runs untracked, as it is.
        await Run($"VACUUM {_table}");
        await using var raw = new NpgsqlConnection(SandboxTestSupport.ConnectionString(fixture.Cluster,
            fixture.Cluster[(await fixture.Cluster.GetLeaderNameAsync())!]));
        await raw.OpenAsync();
        await using var markers = new NpgsqlCommand($"SELECT count(*) FROM {CommitMarkers.Table} WHERE created_at > now() - interval '1 minute'", raw);
        Assert.True((long)(await markers.ExecuteScalarAsync())! >= 1);
        Assert.Equal(2, await CountAsync("id IN (70, 71)"));
    }

    [Fact]
    public async Task Resolver_NeverSaysNotCommittedWhileTheWriterLives_AndItsTombstoneStopsALateCommit()
    {
        await _session.EnableCommitTrackingAsync(CancellationToken.None);
        var cluster = fixture.Cluster;
        var leader = cluster[(await cluster.GetLeaderNameAsync())!];
        long lockKey = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        await Run($"CREATE FUNCTION {_table}_wait() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({lockKey}); RETURN NULL; END $$; " +
                  $"CREATE CONSTRAINT TRIGGER {_table}_block AFTER INSERT ON {_table} DEFERRABLE INITIALLY DEFERRED " +
                  $"FOR EACH ROW WHEN (NEW.id = 80) EXECUTE FUNCTION {_table}_wait()");
        await using var holder = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader));
        await holder.OpenAsync();
        await SandboxTestSupport.ExecAsync(holder, $"SELECT pg_advisory_lock({lockKey})");

        // A writer whose COMMIT (with its marker) is stuck before the commit record, as if its client had gone.
        Guid token = Guid.NewGuid();
        await using var writer = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, leader));
        await writer.OpenAsync();
        int writerPid = writer.ProcessID;
        await using var stuck = new NpgsqlCommand($"BEGIN; INSERT INTO {_table} (id) VALUES (80); {CommitMarkers.InsertSql.Replace("@" + CommitMarkers.TokenParameter, $"'{token}'")}; COMMIT", writer);
        Task<int> commit = stuck.ExecuteNonQueryAsync();
        await SandboxTestSupport.WaitUntilAsync(holder, $"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {writerPid}");

        var executor = new QueryExecutor(_session.Statistics);
        Task<(CommitOutcome, string?)> resolving = CommitOutcomeResolver.ResolveAsync(executor, _session.Backend, null, token, CancellationToken.None);
        // The resolver waits on the writer's marker instead of answering; only then is the lock released.
        await SandboxTestSupport.WaitUntilAsync(holder, $"SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%tombstone%' AND pid <> pg_backend_pid()");
        Assert.False(resolving.IsCompleted);
        await SandboxTestSupport.ExecAsync(holder, $"SELECT pg_advisory_unlock({lockKey})");
        (CommitOutcome outcome, _) = await resolving;
        await commit;
        Assert.Equal(CommitOutcome.Committed, outcome);
        Assert.Equal(1, await CountAsync("id = 80"));

        // A token nobody committed yet: "not committed", and a transaction carrying it can no longer commit.
        Guid late = Guid.NewGuid();
        (outcome, _) = await CommitOutcomeResolver.ResolveAsync(executor, _session.Backend, null, late, CancellationToken.None);
        Assert.Equal(CommitOutcome.NotCommitted, outcome);
        var e = await Assert.ThrowsAsync<PostgresException>(() => SandboxTestSupport.ExecAsync(writer,
            $"BEGIN; INSERT INTO {_table} (id) VALUES (81); {CommitMarkers.InsertSql.Replace("@" + CommitMarkers.TokenParameter, $"'{late}'")}; COMMIT"));
        Assert.Equal("23505", e.SqlState);
        Assert.Equal(0, await CountAsync("id = 81"));
        // Asking again gives the same answer (the resolver's statement is idempotent).
        (outcome, _) = await CommitOutcomeResolver.ResolveAsync(executor, _session.Backend, null, late, CancellationToken.None);
        Assert.Equal(CommitOutcome.NotCommitted, outcome);
        await Run($"DROP TRIGGER {_table}_block ON {_table}; DROP FUNCTION {_table}_wait()");
    }



    private sealed class CollectingSink : IRowSink
    {
        public List<object?[]> Rows { get; } = [];
        public void OnColumns(IReadOnlyList<string> names) { }
        public void OnRow(object?[] values, CancellationToken ct) => Rows.Add(values);
    }
}
