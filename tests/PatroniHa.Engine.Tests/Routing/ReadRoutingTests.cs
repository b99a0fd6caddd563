using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Routing;

/// <summary>
/// Read routing against a real cluster with one replica's replay provably stalled: read-your-writes never
/// misses a write, Eventual on the stalled replica does (the test can see staleness), lag limits and tags
/// choose the right member, noloadbalance members get nothing.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class ReadRoutingTests(ReadRoutingClusterFixture fixture) : IClassFixture<ReadRoutingClusterFixture>
{
    private static long _nextId = DateTime.UtcNow.Ticks;

    private static long NextId() => Interlocked.Increment(ref _nextId);

    private static ReadPolicy On(SandboxMember replica, ReadConsistency consistency) => new()
    {
        Consistency = consistency,
        RequireTags = new Dictionary<string, string> { ["datacenter"] = ReadRoutingClusterFixture.Datacenter(replica) },
    };

    private static Task<QueryResult> InsertAsync(ClusterSession session, long id) =>
        session.ExecuteAsync(new QueryRequest("INSERT INTO rows VALUES (@id)")
        {
            Parameters = new Dictionary<string, object?> { ["id"] = id },
            Shape = QueryShape.NonQuery,
        }, null, CancellationToken.None);

    private static Task<QueryResult> CountAsync(ClusterSession session, long id, ReadPolicy? policy = null,
        CommitPosition? after = null) =>
        session.ExecuteAsync(new QueryRequest("SELECT count(*) FROM rows WHERE id = @id")
        {
            Parameters = new Dictionary<string, object?> { ["id"] = id },
            Shape = QueryShape.Scalar,
            ReadOnly = true,
            ReadPolicy = policy,
            AfterPosition = after,
        }, null, CancellationToken.None);

    private static long ReadsOn(ClusterSession session, string member) =>
        session.Reads.Statistics.Reads.Where(r => r.Key.Member == member).Sum(r => r.Value);

    private static long Skips(ClusterSession session, string member, SkipReason reason) =>
        session.Reads.Statistics.Skips.GetValueOrDefault((member, reason));

    [Fact]
    public async Task CommitPositionIsAtOrAfterTheCommitRecordInOneRoundTrip()
    {
        await using ClusterSession session = await fixture.ConnectAsync();
        session.Reads.DefaultPolicy = new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites };
        QueryResult inserted = await session.ExecuteAsync(new QueryRequest(
            "INSERT INTO rows VALUES (@id) RETURNING txid_current()")
        {
            Parameters = new Dictionary<string, object?> { ["id"] = NextId() },
            Shape = QueryShape.Scalar,
        }, null, CancellationToken.None);
        long xid = Convert.ToInt64(inserted.Value);
        CommitPosition position = Assert.NotNull(inserted.CommitPosition);
        Assert.Equal(position, session.Reads.LastCommit);
        Assert.NotNull(position.Timeline);

        // The WAL itself: the transaction's COMMIT record ends at or before the position the session learned
        // (read inside the statement's own transaction, the position would be before it).
        string commitEnd = await fixture.ScalarAsync<string>(fixture.Leader,
            $"SELECT end_lsn::text FROM pg_get_wal_records_info('{position.Lsn}'::pg_lsn - 65536, pg_current_wal_flush_lsn()) " +
            $"WHERE xid = '{xid}'::xid AND resource_manager = 'Transaction' AND record_type = 'COMMIT'");
        Assert.True(Lsn.Parse(commitEnd) <= position.Lsn, $"commit record ends at {commitEnd}, after {position}");
        Assert.Equal(0, session.Reads.Statistics.CommitPositionRoundTrips);

        // NonQuery and Rows shapes through the batch keep their results.
        QueryResult nonQuery = await InsertAsync(session, NextId());
        Assert.Equal(1, nonQuery.Value);
        Assert.True(nonQuery.CommitPosition!.Value.Lsn >= position.Lsn);

        // Several statements in one text cannot be batched: the position costs one round trip of its own.
        QueryResult several = await session.ExecuteAsync(new QueryRequest(
            $"INSERT INTO rows VALUES ({NextId()}); INSERT INTO rows VALUES ({NextId()})") { Shape = QueryShape.NonQuery },
            null, CancellationToken.None);
        Assert.Equal(2, several.Value);
        Assert.NotNull(several.CommitPosition);
        Assert.Equal(1, session.Reads.Statistics.CommitPositionRoundTrips);
    }

    [Fact]
    public async Task WritesLearnNoPositionUntilReadYourWritesIsUsedAndTheFirstSuchReadGoesToTheLeader()
    {
        await using ClusterSession session = await fixture.ConnectAsync();
        QueryResult plain = await InsertAsync(session, NextId());
        Assert.Null(plain.CommitPosition);
        Assert.Null(session.Reads.LastCommit);

        // The write's position is unknown, so no replica can be trusted to have it.
        long id = NextId();
        await InsertAsync(session, id);
        QueryResult read = await CountAsync(session, id, new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites });
        Assert.Equal(1L, read.Value);
        Assert.Equal(fixture.Leader.Name, read.Server.Name);
        Assert.True(session.Reads.Statistics.LeaderFallbacks.GetValueOrDefault(LeaderFallback.CommitPositionUnknown) > 0);

        // From then on writes learn their position.
        Assert.NotNull((await InsertAsync(session, NextId())).CommitPosition);
    }

    [Fact]
    public async Task ReadYourWritesAlwaysSeesTheRowAndSkipsTheStalledReplica()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession session = await fixture.ConnectAsync();
        session.Reads.DefaultPolicy = new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites };
        await using (await fixture.StallAsync(stalled))
        {
            for (int i = 0; i < 20; i++)
            {
                long id = NextId();
                await InsertAsync(session, id);
                QueryResult read = await CountAsync(session, id);
                Assert.Equal(1L, read.Value);
                Assert.NotEqual(stalled.Name, read.Server.Name);
            }
        }
        Assert.Equal(0, ReadsOn(session, stalled.Name));
        Assert.True(Skips(session, stalled.Name, SkipReason.Behind) > 0, "the stalled replica was not counted as skipped");
    }

    [Fact]
    public async Task EventualReadForcedOntoTheStalledReplicaMissesTheRow()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession session = await fixture.ConnectAsync();
        await using (await fixture.StallAsync(stalled))
        {
            long id = NextId();
            await InsertAsync(session, id);
            QueryResult read = await CountAsync(session, id, On(stalled, ReadConsistency.Eventual));
            Assert.Equal(stalled.Name, read.Server.Name);
            Assert.Equal(0L, read.Value);
        }
    }

    [Fact]
    public async Task WithOnlyTheStalledReplicaLeftTheReadWaitsThenGoesToTheLeader()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession session = await fixture.ConnectAsync();
        await using (await fixture.StallAsync(stalled))
        {
            long id = NextId();
            await InsertAsync(session, id);
            ReadPolicy policy = On(stalled, ReadConsistency.ReadYourWrites) with { MaxWait = TimeSpan.FromMilliseconds(300) };
            QueryResult read = await CountAsync(session, id, policy);
            Assert.Equal(1L, read.Value);
            Assert.Equal(fixture.Leader.Name, read.Server.Name);
            Assert.Equal(1, session.Reads.Statistics.LeaderFallbacks.GetValueOrDefault(LeaderFallback.CatchUpTimeout));
            Assert.Equal(1, session.Reads.Statistics.Waits);
            Assert.Equal(0, session.Reads.Statistics.WaitsServedByReplica);
        }
    }

    [Fact]
    public async Task TheStalledReplicaServesTheReadWhenItCatchesUpDuringTheWait()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession session = await fixture.ConnectAsync();
        ReadRoutingClusterFixture.ReplayStall stall = await fixture.StallAsync(stalled);
        long id = NextId();
        await InsertAsync(session, id);
        ReadPolicy policy = On(stalled, ReadConsistency.ReadYourWrites) with { MaxWait = TimeSpan.FromSeconds(25) };
        Task<QueryResult> read = CountAsync(session, id, policy);
        // The read is waiting (a probe found the replica behind) before the stall ends.
        while (session.Reads.Statistics.Probes < 2 && !read.IsCompleted)
            await Task.Delay(20);
        Assert.False(read.IsCompleted, "the read did not wait");
        await stall.DisposeAsync();
        QueryResult result = await read;
        Assert.Equal(stalled.Name, result.Server.Name);
        Assert.Equal(1L, result.Value);
        Assert.Equal(1, session.Reads.Statistics.WaitsServedByReplica);
        Assert.Equal(1, session.Reads.Statistics.Reads.GetValueOrDefault((stalled.Name, ReadRoute.ReplicaAfterWait)));
    }

    [Fact]
    public async Task MaxLagBytesExcludesTheStalledReplica()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession session = await fixture.ConnectAsync();
        var policy = new ReadPolicy { MaxLagBytes = 16384 };
        await using (await fixture.StallAsync(stalled))
        {
            await fixture.ExecuteAsync(fixture.Leader, $"INSERT INTO rows SELECT g FROM generate_series({NextId()}, {NextId() + 5000}) g");
            Interlocked.Add(ref _nextId, 5001);
            // The first reads start the session's sampler; until it measured a member, the member is "lag unknown".
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Skips(session, stalled.Name, SkipReason.TooStaleBytes) == 0 && DateTime.UtcNow < deadline)
            {
                QueryResult read = await CountAsync(session, 0, policy);
                Assert.NotEqual(stalled.Name, read.Server.Name);
                await Task.Delay(50);
            }
            Assert.True(Skips(session, stalled.Name, SkipReason.TooStaleBytes) > 0);
            for (int i = 0; i < 10; i++)
                Assert.NotEqual(stalled.Name, (await CountAsync(session, 0, policy)).Server.Name);
        }
        Assert.Equal(0, ReadsOn(session, stalled.Name));
    }

    [Fact]
    public async Task MaxLagSecExcludesTheStalledReplicaButNotAnIdleHealthyOne()
    {
        SandboxMember stalled = fixture.Readers[0];
        SandboxMember healthy = fixture.Readers[1];
        await using ClusterSession session = await fixture.ConnectAsync();
        var policy = new ReadPolicy { MaxLag = TimeSpan.FromSeconds(1) };
        // Start the sampler and let it measure everyone before the stall.
        await CountAsync(session, 0, policy);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (session.Reads.MemberStates(session.Backend).Count < 3 && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        await using (await fixture.StallAsync(stalled))
        {
            await InsertAsync(session, NextId());
            // Then the leader stays idle: the healthy replica must stay eligible, the stalled one must age out.
            while ((session.Reads.Lag(session.Backend, session.Reads.MemberStates(session.Backend)[stalled.Name].ReplayLsn).Staleness
                    ?? TimeSpan.Zero) <= TimeSpan.FromSeconds(1.5) && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            for (int i = 0; i < 10; i++)
            {
                QueryResult read = await CountAsync(session, 0, policy with { RequireTags = On(healthy, default).RequireTags });
                Assert.Equal(healthy.Name, read.Server.Name);
                read = await CountAsync(session, 0, policy with { RequireTags = On(stalled, default).RequireTags });
                Assert.Equal(fixture.Leader.Name, read.Server.Name);
            }
        }
        Assert.True(Skips(session, stalled.Name, SkipReason.TooStaleTime) >= 10);
        Assert.Equal(0, Skips(session, healthy.Name, SkipReason.TooStaleTime));
    }

    [Fact]
    public async Task PreferredTagsPickTheTaggedReplicaAndFallBackInOrder()
    {
        SandboxMember first = fixture.Readers[0];
        SandboxMember second = fixture.Readers[1];
        await using ClusterSession session = await fixture.ConnectAsync();
        IReadOnlyDictionary<string, string> Dc(string dc) => new Dictionary<string, string> { ["datacenter"] = dc };

        var preferFirst = new ReadPolicy { PreferTags = [Dc(ReadRoutingClusterFixture.Datacenter(first)), Dc(ReadRoutingClusterFixture.Datacenter(second))] };
        for (int i = 0; i < 6; i++)
            Assert.Equal(first.Name, (await CountAsync(session, 0, preferFirst)).Server.Name);

        var nowhereThenSecond = new ReadPolicy { PreferTags = [Dc("nowhere"), Dc(ReadRoutingClusterFixture.Datacenter(second)), new Dictionary<string, string>()] };
        for (int i = 0; i < 6; i++)
            Assert.Equal(second.Name, (await CountAsync(session, 0, nowhereThenSecond)).Server.Name);

        var nowhereThenAny = new ReadPolicy { PreferTags = [Dc("nowhere"), new Dictionary<string, string>()] };
        var served = new HashSet<string>();
        for (int i = 0; i < 6; i++)
            served.Add((await CountAsync(session, 0, nowhereThenAny)).Server.Name);
        Assert.Equal(new HashSet<string> { first.Name, second.Name }, served);

        var nowhereOnly = new ReadPolicy { PreferTags = [Dc("nowhere")] };
        Assert.Equal(fixture.Leader.Name, (await CountAsync(session, 0, nowhereOnly)).Server.Name);
        Assert.Equal(1, session.Reads.Statistics.LeaderFallbacks.GetValueOrDefault(LeaderFallback.NoEligibleReplica));
    }

    [Theory]
    [InlineData(ReplicaChoice.RoundRobin)]
    [InlineData(ReplicaChoice.Random)]
    [InlineData(ReplicaChoice.LowestLatency)]
    public async Task NoLoadBalanceMembersGetNoReads(ReplicaChoice choice)
    {
        await using ClusterSession session = await fixture.ConnectAsync();
        var policy = new ReadPolicy { Choice = choice };
        for (int i = 0; i < 30; i++)
        {
            QueryResult read = await CountAsync(session, 0, policy);
            Assert.Contains(read.Server.Name, fixture.Readers.Select(m => m.Name));
        }
        Assert.Equal(0, ReadsOn(session, "n4"));
        Assert.True(Skips(session, "n4", SkipReason.NoLoadBalance) >= 30);
        if (choice == ReplicaChoice.RoundRobin)
            Assert.All(fixture.Readers, m => Assert.True(ReadsOn(session, m.Name) > 0, $"{m.Name} got no reads"));
    }

    [Fact]
    public async Task AfterPositionFromAnotherSessionIsHonoured()
    {
        SandboxMember stalled = fixture.Readers[0];
        await using ClusterSession writer = await fixture.ConnectAsync();
        writer.Reads.DefaultPolicy = new ReadPolicy { Consistency = ReadConsistency.ReadYourWrites };
        await using ClusterSession reader = await fixture.ConnectAsync();
        await using (await fixture.StallAsync(stalled))
        {
            long id = NextId();
            CommitPosition position = (await InsertAsync(writer, id)).CommitPosition!.Value;
            // The reader session wrote nothing: only the position handed over (as text) makes it wait.
            CommitPosition handedOver = CommitPosition.Parse(position.ToString());
            ReadPolicy policy = On(stalled, ReadConsistency.ReadYourWrites) with { MaxWait = TimeSpan.Zero };
            QueryResult read = await CountAsync(reader, id, policy, handedOver);
            Assert.Equal(1L, read.Value);
            Assert.Equal(fixture.Leader.Name, read.Server.Name);
        }
    }
}
