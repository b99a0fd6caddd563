using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Engine.Tests.Infrastructure;

/// <summary>Small helpers for tests that talk to a sandbox.</summary>
public static class SandboxTestSupport
{
    /// <summary>
    /// Session options tuned for a test that checks reaction speed (1 s health checks, short timeouts). A fault
    /// test using them also needs a default-settings variant (Failover/DefaultSettingsFaultTests).
    /// </summary>
    public static ClusterOptions FastSessionOptions(SandboxCluster cluster) => new()
    {
        Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = cluster.Superuser,
        HealthCheckInterval = TimeSpan.FromSeconds(1),
        FailoverTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>Only where the cluster is and who logs in: every other setting is the module's default.</summary>
    public static ClusterOptions DefaultSessionOptions(SandboxCluster cluster) => new()
    {
        Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = cluster.Superuser,
    };

    /// <summary>A superuser connection string for one member (no pooling: members get killed).</summary>
    public static string ConnectionString(SandboxCluster cluster, SandboxMember member, string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = member.PgPort,
            Username = cluster.Superuser.UserName,
            Password = cluster.Superuser.Password,
            Database = database,
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;

    public static async Task<T> ScalarAsync<T>(SandboxCluster cluster, SandboxMember member, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(cluster, member));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Polls a condition on the server until it holds (a state to reach, not a time to wait; 60 s at most).</summary>
    public static async Task WaitUntilAsync(NpgsqlConnection connection, string condition)
    {
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using var command = new NpgsqlCommand(condition, connection);
            if (await command.ExecuteScalarAsync(giveUp.Token) is true)
                return;
            await Task.Delay(20, giveUp.Token);
        }
    }
}
