using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>The shared 3-node sandbox is a working Patroni cluster.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SharedClusterTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task HasThreeMembersAndExactlyOneLeader()
    {
        var cluster = fixture.Cluster;
        Assert.Equal(["n1", "n2", "n3"], cluster.Members.Select(m => m.Name));
        Assert.Equal(3, cluster.ApiEndpoints.Count);
        Assert.All(cluster.Members, m => Assert.NotNull(m.PatroniPid));
        Assert.All(cluster.Members, m => Assert.NotNull(m.PostgresPid));

        var leader = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(leader, await cluster.GetLeaderNameAsync());
    }

    [Fact]
    public async Task LeaderIsWritableAndReplicasAreInRecovery()
    {
        var cluster = fixture.Cluster;
        var leader = cluster[await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30))];

        Assert.False(await SandboxTestSupport.ScalarAsync<bool>(cluster, leader, "SELECT pg_is_in_recovery()"));
        foreach (var replica in cluster.Members.Where(m => m != leader))
            Assert.True(await SandboxTestSupport.ScalarAsync<bool>(cluster, replica, "SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task WrongPasswordIsRejected()
    {
        var cluster = fixture.Cluster;
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(
            SandboxTestSupport.ConnectionString(cluster, cluster.Members[0])) { Password = "not-the-password" };
        await using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", e.SqlState); // invalid_password
    }

    [Fact]
    public void EndpointsAreLoopbackAndDistinct()
    {
        var cluster = fixture.Cluster;
        var ports = cluster.Members.SelectMany(m => new[] { m.PgPort, m.ApiPort }).Append(cluster.EtcdEndpoint.Port).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(cluster.ApiEndpoints, u => Assert.Equal("127.0.0.1", u.Host));
        Assert.Equal("postgres", cluster.Superuser.UserName);
        Assert.True(cluster.Superuser.Password.Length >= 16);
    }
}
