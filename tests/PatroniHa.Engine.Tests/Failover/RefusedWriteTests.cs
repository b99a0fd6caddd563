using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sessions;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>
/// A write the leader refuses as read-only (25006, as a demoted primary does) provably did not run: however long
/// it is retried, giving up must never say it "may have committed". Default session settings; the refusal comes
/// from a database of its own set read-only, so the shared cluster's other tests are not touched.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class RefusedWriteTests(SharedClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _database = "ro_" + Guid.NewGuid().ToString("N")[..12];
    private ClusterSession _session = null!;

    public async Task InitializeAsync()
    {
        await fixture.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        _session = await SessionFactory.ConnectAsync(SandboxTestSupport.DefaultSessionOptions(fixture.Cluster), CancellationToken.None);
        await _session.ExecuteAsync(new QueryRequest($"CREATE DATABASE {_database}"), null, CancellationToken.None);
        await _session.ExecuteAsync(new QueryRequest($"ALTER DATABASE {_database} SET default_transaction_read_only = on"),
            null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await using ClusterSession cleanup = await SessionFactory.ConnectAsync(SandboxTestSupport.DefaultSessionOptions(fixture.Cluster), CancellationToken.None);
        await cleanup.ExecuteAsync(new QueryRequest($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)"), null, CancellationToken.None);
    }

    [Fact]
    public async Task AWriteRefusedAsReadOnly_UntilTheFailoverTimeout_IsNeverCalledMaybeCommitted()
    {
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => _session.ExecuteAsync(
            new QueryRequest("CREATE TABLE refused (id int)") { Database = _database }, null, CancellationToken.None));
        output.WriteLine($"{e.ErrorId}: {e.Message}");
        Assert.NotEqual(PatroniErrorIds.CommitOutcomeUnknown, e.ErrorId);
        Assert.DoesNotContain("may have committed", e.Message);
        Assert.Contains("default_transaction_read_only", e.Message); // what to check, not pg_hba.conf
    }
}
