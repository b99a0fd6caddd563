using PatroniHa.Engine.Configuration;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class ClusterOptionsResolverTests
{
    [Fact]
    public void SeedPatroniEnvironment()
    {
        var env = Layers.Env(Layers.PatroniBase.With(("PATRONI_PORT", "8008"), ("PATRONI_DB", "distributed_postgres_cluster"),
            ("PATRONI_MIN_CONNECTIONS", "2"), ("PATRONI_MAX_CONNECTIONS", "20"), ("PATRONI_HEALTH_CHECK_INTERVAL", "30"),
            ("PATRONI_FAILOVER_TIMEOUT", "15"), ("PATRONI_HOSTS", " node1 , https://node2:8443 ,node3:8009")));

        var options = ClusterOptionsResolver.Resolve([env]);

        Assert.Equal(ClusterMode.PatroniHa, options.Mode);
        Assert.Equal(["node1", "https://node2:8443", "node3:8009"], options.Api.Endpoints);
        Assert.Equal(8008, options.Api.DefaultPort);
        Assert.Equal("distributed_postgres_cluster", options.Database);
        Assert.Equal("dpg_cluster", options.Credential!.UserName);
        Assert.Equal(Layers.Secret, options.Credential.Password);
        Assert.Equal((2, 20), (options.MinPoolSize, options.MaxPoolSize));
        Assert.Equal(TimeSpan.FromSeconds(30), options.HealthCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), options.FailoverTimeout);
        Assert.Equal("Prefer", options.Tls.SslMode);
        Assert.Null(options.HostName);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("0")]
    [InlineData("No")]
    [InlineData("off")]
    public void EnablePatroniFalseMeansSingleNode(string value)
    {
        var env = Layers.Env(Layers.PatroniBase.With(("ENABLE_PATRONI", value)));

        var options = ClusterOptionsResolver.Resolve([env]);

        Assert.Equal(ClusterMode.SingleNode, options.Mode);
        Assert.Equal("localhost", options.HostName);
        Assert.Equal(5432, options.Port);
        Assert.Equal("dpg_cluster", options.Credential!.UserName); // PATRONI_* credentials as fallback
    }

    [Theory]
    [InlineData("true")]
    [InlineData("1")]
    [InlineData("YES")]
    public void EnablePatroniTrueMeansPatroniHa(string value) =>
        Assert.Equal(ClusterMode.PatroniHa,
            ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase.With(("ENABLE_PATRONI", value)))]).Mode);

    [Fact]
    public void SingleNodeUsesLibpqVariablesFirst()
    {
        var env = Layers.Env(Layers.PatroniBase.With(("ENABLE_PATRONI", "false"), ("PGHOST", "db1"), ("PGPORT", "5433"),
            ("PGDATABASE", "app"), ("PGUSER", "pguser"), ("PGPASSWORD", "pg-pw"), ("PGSSLMODE", "verify-ca"),
            ("PGCONNECT_TIMEOUT", "7"), ("PGAPPNAME", "runbook")));

        var options = ClusterOptionsResolver.Resolve([env]);

        Assert.Equal(("db1", 5433, "app"), (options.HostName, options.Port, options.Database));
        Assert.Equal(("pguser", "pg-pw"), (options.Credential!.UserName, options.Credential.Password));
        Assert.Equal("VerifyCA", options.Tls.SslMode);
        Assert.Equal(TimeSpan.FromSeconds(7), options.ConnectTimeout);
        Assert.Equal("runbook", options.ApplicationName);
    }

    [Fact]
    public void ModeIsInferredWhenNotGiven()
    {
        var singleNode = Layers.Env(("PGHOST", "db1"), ("PGUSER", "u"), ("PGPASSWORD", "p"));
        Assert.Equal(ClusterMode.SingleNode, ClusterOptionsResolver.Resolve([singleNode]).Mode);

        var patroni = Layers.Env(("PATRONI_HOSTS", "n1"), ("PATRONI_USER", "u"), ("PATRONI_PASSWORD", "p"));
        Assert.Equal(ClusterMode.PatroniHa, ClusterOptionsResolver.Resolve([patroni]).Mode);
    }

    [Theory]
    [InlineData("disable", "Disable")]
    [InlineData("allow", "Allow")]
    [InlineData("prefer", "Prefer")]
    [InlineData("require", "Require")]
    [InlineData("verify-ca", "VerifyCA")]
    [InlineData("verify-full", "VerifyFull")]
    [InlineData("VerifyFull", "VerifyFull")]
    [InlineData("VERIFY_CA", "VerifyCA")]
    public void SslModesMapToNpgsqlNames(string given, string expected) =>
        Assert.Equal(expected, ClusterOptionsResolver.Resolve(
            [Layers.Env(Layers.PatroniBase.With(("PATRONI_SSLMODE", given)))]).Tls.SslMode);

    [Fact]
    public void CertificatePathsAreResolvedAgainstTheWorkingDirectory()
    {
        using var dir = new TempDirectory();
        dir.Write("ca.pem", "x");
        dir.Write("client.pem", "x");
        dir.Write("client.key", "x");
        var env = Layers.Env(Layers.PatroniBase.With(("PATRONI_SSLMODE", "verify-full"),
            ("PATRONI_SSLROOTCERT", "ca.pem"), ("PATRONI_SSLCERT", Path.Combine(dir.Path, "client.pem")),
            ("PATRONI_SSLKEY", "client.key")));

        var tls = ClusterOptionsResolver.Resolve([env], workingDirectory: dir.Path).Tls;

        Assert.Equal(Path.Combine(dir.Path, "ca.pem"), tls.RootCertificate);
        Assert.Equal(Path.Combine(dir.Path, "client.pem"), tls.ClientCertificate);
        Assert.Equal(Path.Combine(dir.Path, "client.key"), tls.ClientKey);
    }

    [Fact]
    public void SmallMaximumAloneLowersTheDefaultMinimum()
    {
        var options = ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase.With(("PATRONI_MAX_CONNECTIONS", "1")))]);
        Assert.Equal((1, 1), (options.MinPoolSize, options.MaxPoolSize));
    }

    [Fact]
    public void RestApiCredentialIsOptional()
    {
        var withApi = ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase.With(
            ("PATRONI_RESTAPI_USERNAME", "patroni"), ("PATRONI_RESTAPI_PASSWORD", "api-pw")))]);
        Assert.Equal("patroni", withApi.Api.Credential!.UserName);
        Assert.Null(ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase)]).Api.Credential);
    }
}
