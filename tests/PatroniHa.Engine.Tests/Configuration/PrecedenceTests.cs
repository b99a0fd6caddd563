using System.Net;
using PatroniHa.Engine.Configuration;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class PrecedenceTests
{
    [Fact]
    public void EnvironmentBeatsDotEnvFile()
    {
        var env = Layers.Env(("PATRONI_MAX_CONNECTIONS", "30"));
        var dotEnv = Layers.DotEnv(("PATRONI_MAX_CONNECTIONS", "15"), ("PATRONI_MIN_CONNECTIONS", "5"),
            ("PATRONI_HOSTS", "a,b"), ("PATRONI_USER", "u"), ("PATRONI_PASSWORD", Layers.Secret));

        // Given in the "wrong" order on purpose: precedence comes from the layer kind.
        var options = ClusterOptionsResolver.Resolve([dotEnv, env]);

        Assert.Equal(30, options.MaxPoolSize);
        Assert.Equal(5, options.MinPoolSize);
    }

    [Fact]
    public void ParametersBeatEnvironmentAndDotEnv()
    {
        var parameters = SettingsLayer.Builder()
            .Set(SettingKeys.PatroniMaxConnections, 40, "parameter -MaxPoolSize")
            .Set(SettingKeys.PatroniHosts, ["p1", "p2"], "parameter -Endpoint")
            .Build();
        var env = Layers.Env(Layers.PatroniBase.With(("PATRONI_MAX_CONNECTIONS", "30")));
        var dotEnv = Layers.DotEnv(("PATRONI_MAX_CONNECTIONS", "15"), ("PATRONI_HOSTS", "d1"));

        var options = ClusterOptionsResolver.Resolve([env, dotEnv, parameters]);

        Assert.Equal(40, options.MaxPoolSize);
        Assert.Equal(["p1", "p2"], options.Api.Endpoints);
    }

    [Fact]
    public void DotEnvBeatsYamlAndYamlBeatsDefaults()
    {
        using var dir = new TempDirectory();
        var yaml = YamlConfigFile.Load(dir.Write("config.yaml", """
            memory:
              postgresql:
                mode: patroni-ha
                patroni:
                  apiHosts: [y1]
                  apiPort: 9008
                  user: yaml_user
                  password: yaml-pw
                  healthCheckInterval: 10
            """), _ => null);
        var dotEnv = DotEnvFile.Parse(dir.Write(".env", "PATRONI_PORT=8009\nPATRONI_USER=env_user\n"));

        var options = ClusterOptionsResolver.Resolve([yaml, dotEnv]);

        Assert.Equal(8009, options.Api.DefaultPort);
        Assert.Equal("env_user", options.Credential!.UserName);
        Assert.Equal("yaml-pw", options.Credential.Password);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HealthCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.FailoverTimeout); // seed default
        Assert.Equal(["y1"], options.Api.Endpoints);
    }

    [Fact]
    public void ModeAndCredentialOverridesWin()
    {
        var env = Layers.Env(Layers.PatroniBase.With(("PGHOST", "db1")));
        var credential = new NetworkCredential("admin", "override-pw");

        var options = ClusterOptionsResolver.Resolve([env], ClusterMode.SingleNode, credential);

        Assert.Equal(ClusterMode.SingleNode, options.Mode);
        Assert.Equal("db1", options.HostName);
        Assert.Same(credential, options.Credential);
    }

    [Fact]
    public void BlankValueDoesNotHideALowerLayer()
    {
        var env = Layers.Env(Layers.PatroniBase.With(("PATRONI_PORT", "  ")));
        var dotEnv = Layers.DotEnv(("PATRONI_PORT", "8010"));

        Assert.Equal(8010, ClusterOptionsResolver.Resolve([env, dotEnv]).Api.DefaultPort);
    }

    [Fact]
    public void CollectWiresEnvironmentDotEnvAndYamlTogether()
    {
        using var dir = new TempDirectory();
        var envFile = dir.Write(".env", "PATRONI_PASSWORD=from-dotenv\nPATRONI_MAX_CONNECTIONS=15\n");
        var configPath = dir.Write("config.yaml", """
            memory:
              postgresql:
                patroni:
                  enabled: true
                  apiHosts: [n1, n2]
                  user: dpg_cluster
                  password: ${PATRONI_PASSWORD}
            """);
        var environment = new Dictionary<string, string?> { ["PATRONI_MAX_CONNECTIONS"] = "30" };
        var parameters = SettingsLayer.Builder().Set(SettingKeys.PatroniMinConnections, 3, "parameter -MinPoolSize").Build();

        var layers = SettingsSources.Collect(parameters, fromEnvironment: true, envFile, configPath, environment);
        var options = ClusterOptionsResolver.Resolve(layers);

        Assert.Equal(4, layers.Count);
        Assert.Equal("from-dotenv", options.Credential!.Password); // ${VAR} found in the .env file
        Assert.Equal(30, options.MaxPoolSize);
        Assert.Equal(3, options.MinPoolSize);
        Assert.Equal(["n1", "n2"], options.Api.Endpoints);
    }
}
