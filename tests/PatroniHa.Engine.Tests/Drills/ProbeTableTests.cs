using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Drills;

/// <summary>
/// The drill's read-back on a real probe table: rows written through a session, then tampered with behind the
/// session's back (a row deleted, one doubled, one a failed write "committed"), must be accounted for exactly.
/// Uses the shared cluster read/write only.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ProbeTableTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task Lost_and_duplicated_writes_come_from_reading_the_table_back_on_the_leader()
    {
        var cluster = fixture.Cluster;
        await using ClusterSession session = await SessionFactory.ConnectAsync(new ClusterOptions
        {
            Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
            Credential = cluster.Superuser,
        }, CancellationToken.None);

        ProbeTable table = await ProbeTable.CreateAsync(session, CancellationToken.None);
        Assert.Matches("^patroniha_probe_[0-9]{14}_[0-9a-f]{6}$", table.Name);
        try
        {
            var writes = new List<ProbeWrite>();
            for (long seq = 1; seq <= 20; seq++)
            {
                string server = await table.InsertAsync(seq, 10, CancellationToken.None);
                writes.Add(new ProbeWrite(seq, ProbeWriteOutcome.Acknowledged, 0, 0, server));
            }
            writes.Add(new ProbeWrite(21, ProbeWriteOutcome.Failed, 0, 0, null, "PatroniQueryFailed"));
            string leader = writes[0].Server!;
            Assert.All(writes.Take(20), w => Assert.Equal(leader, w.Server));

            // Behind the session's back, straight on the leader.
            var member = cluster[leader];
            await using (var c = new NpgsqlConnection(SandboxTestSupport.ConnectionString(cluster, member)))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand(
                    $"DELETE FROM {table.Name} WHERE seq IN (4, 13); INSERT INTO {table.Name} (seq) VALUES (7), (7), (21)", c);
                await cmd.ExecuteNonQueryAsync();
            }

            // A read on a replica sees the table once it replicated.
            string? reader = null;
            for (int i = 0; i < 50 && reader is null; i++)
            {
                try
                {
                    reader = await table.ReadAsync(5, CancellationToken.None);
                }
                catch (PatroniHa.Engine.Errors.PatroniHaException)
                {
                    await Task.Delay(100);
                }
            }
            Assert.NotNull(reader);
            Assert.NotEqual(leader, reader);

            var (rows, readOn) = await table.ReadBackAsync(CancellationToken.None);
            Assert.Equal(leader, readOn);
            ProbeAccount a = ProbeAccounting.Compute(writes, rows);
            Assert.Equal(20, a.Acknowledged);
            Assert.Equal(2, a.Lost);
            Assert.Equal([4L, 13L], a.LostSeqs);
            Assert.Equal(1, a.Duplicated);
            Assert.Equal([7L], a.DuplicatedSeqs);
            Assert.Equal(1, a.FailedButCommitted);
            Assert.False(a.Consistent);
        }
        finally
        {
            await table.DropAsync(CancellationToken.None);
            await table.DropAsync(CancellationToken.None); // twice is harmless
        }
        string now = (await session.GetTopologyAsync(true, CancellationToken.None)).Single(m => m.IsLeader).Name;
        Assert.Equal(0L, await SandboxTestSupport.ScalarAsync<long>(cluster, cluster[now],
            $"SELECT count(*) FROM pg_tables WHERE tablename = '{table.Name}'"));
    }
}
