using System.Net;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class ValidationTests
{
    private static PatroniHaException Fails(IEnumerable<SettingsLayer> layers, ClusterMode? mode = null,
        NetworkCredential? credential = null)
    {
        var error = Assert.Throws<PatroniHaException>(() => ClusterOptionsResolver.Resolve(layers, mode, credential));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, error.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
        Assert.DoesNotContain(Layers.Secret, error.Message);
        Assert.DoesNotContain(Layers.Secret, string.Join(",", (string[])error.Target!));
        return error;
    }

    [Theory]
    [InlineData("PATRONI_PORT", "abc", "1 to 65535")]
    [InlineData("PATRONI_PORT", "0", "1 to 65535")]
    [InlineData("PATRONI_PORT", "65536", "1 to 65535")]
    [InlineData("PATRONI_PORT", "80.5", "1 to 65535")]
    [InlineData("PATRONI_HOSTS", "node1,,node3", "blank")]
    [InlineData("PATRONI_HOSTS", ",", "blank")]
    [InlineData("PATRONI_HOSTS", "node1 node2", "whitespace")]
    [InlineData("PATRONI_SSLMODE", "verify", "disable, allow, prefer, require, verify-ca or verify-full")]
    [InlineData("PATRONI_MIN_CONNECTIONS", "-1", "0 or more")]
    [InlineData("PATRONI_MIN_CONNECTIONS", "two", "whole number")]
    [InlineData("PATRONI_MAX_CONNECTIONS", "0", "1 or more")]
    [InlineData("PATRONI_MIN_CONNECTIONS", "50", "must not exceed")]
    [InlineData("PATRONI_HEALTH_CHECK_INTERVAL", "0", "positive number of seconds")]
    [InlineData("PATRONI_HEALTH_CHECK_INTERVAL", "-5", "positive number of seconds")]
    [InlineData("PATRONI_HEALTH_CHECK_INTERVAL", "soon", "positive number of seconds")]
    [InlineData("PATRONI_FAILOVER_TIMEOUT", "0", "positive number of seconds")]
    [InlineData("PATRONI_FAILOVER_TIMEOUT", "NaN", "positive number of seconds")]
    [InlineData("PGCONNECT_TIMEOUT", "2000", "at most 1024")]
    [InlineData("ENABLE_PATRONI", "maybe", "true/false, 1/0, yes/no")]
    [InlineData("PATRONI_SSLROOTCERT", "/no/such/ca.pem", "does not exist")]
    [InlineData("PATRONI_SSLCERT", "/no/such/client.pem", "does not exist")]
    [InlineData("PATRONI_SSLKEY", "/no/such/client.key", "does not exist")]
    public void BadValueNamesSettingSourceAndWhatIsAllowed(string key, string value, string allowed)
    {
        var error = Fails([Layers.Env(Layers.PatroniBase.With((key, value)))]);

        Assert.Contains($"{key} (from environment)", error.Message);
        Assert.Contains(allowed, error.Message);
        Assert.Contains(key, (string[])error.Target!);
    }

    [Theory]
    [InlineData("PGPORT", "99999")]
    [InlineData("PGSSLMODE", "strict")]
    [InlineData("PGSSLROOTCERT", "/no/such/ca.pem")]
    public void SingleNodeBadValues(string key, string value)
    {
        var error = Fails([Layers.Env(Layers.PatroniBase.With(("ENABLE_PATRONI", "false"), (key, value)))]);
        Assert.Contains($"{key} (from environment)", error.Message);
    }

    [Fact]
    public void BadValueFromDotEnvNamesFileAndLine()
    {
        using var dir = new TempDirectory();
        var path = dir.Write(".env", "# pool\nPATRONI_MAX_CONNECTIONS=lots\n");

        var error = Fails([Layers.Env(Layers.PatroniBase), DotEnvFile.Parse(path)]);

        Assert.Contains($"PATRONI_MAX_CONNECTIONS (from .env file {path} line 2)", error.Message);
        Assert.Contains("'lots'", error.Message);
    }

    [Fact]
    public void BadValueFromParameterNamesTheParameter()
    {
        var parameters = SettingsLayer.Builder().Set(SettingKeys.PatroniMaxConnections, -3, "parameter -MaxPoolSize").Build();
        var error = Fails([parameters, Layers.Env(Layers.PatroniBase)]);
        Assert.Contains("PATRONI_MAX_CONNECTIONS (from parameter -MaxPoolSize)", error.Message);
    }

    [Fact]
    public void MinGreaterThanMaxNamesBothSources()
    {
        var error = Fails([Layers.Env(Layers.PatroniBase.With(("PATRONI_MIN_CONNECTIONS", "10"))),
            Layers.DotEnv(("PATRONI_MAX_CONNECTIONS", "5"))]);
        Assert.Contains("PATRONI_MIN_CONNECTIONS (from environment): 10 is greater than PATRONI_MAX_CONNECTIONS (5, from .env file /test/.env)",
            error.Message);
    }

    [Fact]
    public void MissingPasswordSaysWhatSuppliesIt()
    {
        var error = Fails([Layers.Env(("PATRONI_HOSTS", "n1"), ("PATRONI_USER", "u"))]);
        Assert.Contains("No database password", error.Message);
        Assert.Contains("-Credential", error.Message);
        Assert.Contains("PATRONI_PASSWORD", error.Message);
        Assert.Contains("memory.postgresql.patroni.password", error.Message);
    }

    [Fact]
    public void MissingPasswordInSingleNodeNamesBothVariables()
    {
        var error = Fails([Layers.Env(("ENABLE_PATRONI", "no"), ("PGUSER", "u"))]);
        Assert.Contains("PGPASSWORD or PATRONI_PASSWORD", error.Message);
    }

    [Fact]
    public void MissingUserAndHosts()
    {
        var error = Fails([Layers.Env(("ENABLE_PATRONI", "true"), ("PATRONI_PASSWORD", Layers.Secret))]);
        Assert.Contains("No database user", error.Message);
        Assert.Contains("PATRONI_USER", error.Message);
        Assert.Contains("PATRONI_HOSTS is not set", error.Message);
    }

    [Fact]
    public void CredentialOverrideWithoutUserName()
    {
        var error = Fails([Layers.Env(Layers.PatroniBase)], credential: new NetworkCredential("", Layers.Secret));
        Assert.Contains("-Credential has no user name", error.Message);
    }

    [Fact]
    public void HalfARestApiCredentialIsAnError()
    {
        var error = Fails([Layers.Env(Layers.PatroniBase.With(("PATRONI_RESTAPI_PASSWORD", Layers.Secret)))]);
        Assert.Contains("PATRONI_RESTAPI_PASSWORD (from environment)", error.Message);
        Assert.Contains("PATRONI_RESTAPI_USERNAME", error.Message);
    }

    [Fact]
    public void AllProblemsAreReportedTogetherOnePerLine()
    {
        var error = Fails([Layers.Env(("ENABLE_PATRONI", "true"), ("PATRONI_HOSTS", "a,,b"), ("PATRONI_PORT", "x"),
            ("PATRONI_SSLMODE", "bogus"), ("PATRONI_FAILOVER_TIMEOUT", "-1"), ("PATRONI_PASSWORD", Layers.Secret))]);

        var lines = error.Message.Split(Environment.NewLine);
        Assert.Equal("The cluster configuration has 5 problems:", lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.Equivalent(new[] { "PATRONI_HOSTS", "PATRONI_PORT", "PATRONI_SSLMODE", "PATRONI_FAILOVER_TIMEOUT", "PATRONI_USER" },
            (string[])error.Target!);
    }

    [Fact]
    public void SecretValuesAreNeverQuoted()
    {
        Assert.Equal("(hidden)", ConfigurationError.Quote("PATRONI_PASSWORD", Layers.Secret));
        Assert.Equal("(hidden)", ConfigurationError.Quote("pgpassword", Layers.Secret));
        Assert.Equal("'8008'", ConfigurationError.Quote("PATRONI_PORT", "8008"));
    }
}
