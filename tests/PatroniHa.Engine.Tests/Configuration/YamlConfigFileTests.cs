using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class YamlConfigFileTests
{
    private const string SeedLayout = """
        memory:
          postgresql:
            # Change mode from single-node to patroni-ha
            mode: patroni-ha

            patroni:
              enabled: true
              apiHosts:
                - node1
                - node2
                - node3
              apiPort: 8008
              database: distributed_postgres_cluster
              user: dpg_cluster
              password: ${PATRONI_PASSWORD}
              minConnections: 2
              maxConnections: 20
              healthCheckInterval: 30
        """;

    private static readonly Dictionary<string, string?> Vars = new() { ["PATRONI_PASSWORD"] = Layers.Secret };

    private static SettingsLayer Load(string yaml, Func<string, string?>? variables = null)
    {
        using var dir = new TempDirectory();
        return YamlConfigFile.Load(dir.Write("config.yaml", yaml), variables ?? (n => Vars.GetValueOrDefault(n)));
    }

    private static PatroniHaException LoadFails(string yaml, out string path)
    {
        using var dir = new TempDirectory();
        var file = path = dir.Write("config.yaml", yaml);
        return Assert.Throws<PatroniHaException>(() => YamlConfigFile.Load(file, n => Vars.GetValueOrDefault(n)));
    }

    [Fact]
    public void MapsTheSeedsLayoutOntoTheEnvironmentNames()
    {
        var layer = Load(SeedLayout);

        Assert.Equal(SettingsSourceKind.YamlFile, layer.Kind);
        Assert.Equal("patroni-ha", layer["ENABLE_PATRONI"]);
        Assert.Equal("node1,node2,node3", layer["PATRONI_HOSTS"]);
        Assert.Equal("8008", layer["PATRONI_PORT"]);
        Assert.Equal("distributed_postgres_cluster", layer["PATRONI_DB"]);
        Assert.Equal("dpg_cluster", layer["PATRONI_USER"]);
        Assert.Equal(Layers.Secret, layer["PATRONI_PASSWORD"]);
        Assert.Equal("2", layer["PATRONI_MIN_CONNECTIONS"]);
        Assert.Equal("20", layer["PATRONI_MAX_CONNECTIONS"]);
        Assert.Equal("30", layer["PATRONI_HEALTH_CHECK_INTERVAL"]);
        Assert.True(layer.TryGet("PATRONI_PORT", out var port));
        Assert.Contains("line 12", port.Origin);
        Assert.Contains("memory.postgresql.patroni.apiPort", port.Origin);
        Assert.Empty(layer.Warnings);

        var options = ClusterOptionsResolver.Resolve([layer]);
        Assert.Equal(ClusterMode.PatroniHa, options.Mode);
        Assert.Equal(["node1", "node2", "node3"], options.Api.Endpoints);
        Assert.Equal(Layers.Secret, options.Credential!.Password);
    }

    [Fact]
    public void RollbackModeSingleNodeWinsOverPatroniEnabled()
    {
        var layer = Load(SeedLayout.Replace("mode: patroni-ha", "mode: single-node"));
        var options = ClusterOptionsResolver.Resolve([layer]);

        Assert.Equal(ClusterMode.SingleNode, options.Mode);
        Assert.Equal("distributed_postgres_cluster", options.Database); // falls back to the patroni values
        Assert.Equal("dpg_cluster", options.Credential!.UserName);
    }

    [Fact]
    public void ReadsSingleNodeKeysFailoverTimeoutAndSnakeCase()
    {
        var layer = Load("""
            memory:
              postgresql:
                mode: single-node
                host: db1
                port: 5433
                database: app
                user: app_user
                password: "${APP_PASSWORD:-fallback}"
                sslMode: verify-full
                other_tool_setting: ignored
                patroni:
                  failover_timeout: 15
                  api-hosts: node1, node2
            """);

        Assert.Equal("db1", layer["PGHOST"]);
        Assert.Equal("5433", layer["PGPORT"]);
        Assert.Equal("app", layer["PGDATABASE"]);
        Assert.Equal("app_user", layer["PGUSER"]);
        Assert.Equal("fallback", layer["PGPASSWORD"]);
        Assert.Equal("verify-full", layer["PGSSLMODE"]);
        Assert.Equal("15", layer["PATRONI_FAILOVER_TIMEOUT"]);
        Assert.Equal("node1, node2", layer["PATRONI_HOSTS"]);
    }

    [Fact]
    public void ExpandsVariablesAndKeepsOtherDollars()
    {
        var layer = Load("""
            memory:
              postgresql:
                patroni:
                  user: ${DB_USER:-dpg}_${ENVIRONMENT}
                  password: pa$word$${NOT_A_VAR}
            """, n => n == "ENVIRONMENT" ? "prod" : null);

        Assert.Equal("dpg_prod", layer["PATRONI_USER"]);
        Assert.Equal("pa$word${NOT_A_VAR}", layer["PATRONI_PASSWORD"]);
    }

    [Fact]
    public void UndefinedVariableNamesTheVariableAndFile()
    {
        var error = LoadFails(SeedLayout.Replace("${PATRONI_PASSWORD}", "${MISSING_PASSWORD_VAR}"), out var path);

        Assert.Equal(PatroniErrorIds.InvalidConfiguration, error.ErrorId);
        Assert.Contains("MISSING_PASSWORD_VAR", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 15", error.Message);
    }

    [Fact]
    public void MalformedYamlNamesFileAndLine()
    {
        var error = LoadFails("""
            memory:
              postgresql:
                mode: patroni-ha
               patroni: [unclosed
            """, out var path);

        Assert.Contains(path, error.Message);
        Assert.Matches(@"line \d+ column \d+", error.Message);
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void MissingSectionAndWrongShapesAreErrors()
    {
        Assert.Contains("memory.postgresql", LoadFails("other: 1\n", out _).Message);
        Assert.Contains("memory.postgresql", LoadFails("", out _).Message);
        Assert.Contains("memory.postgresql.patroni must be a mapping",
            LoadFails("memory:\n  postgresql:\n    patroni: yes-please\n", out _).Message);
        Assert.Contains("memory.postgresql.patroni.apiPort must be a single value",
            LoadFails("memory:\n  postgresql:\n    patroni:\n      apiPort: [1, 2]\n", out _).Message);
    }

    [Fact]
    public void UnknownPatroniKeysAreWarnings()
    {
        var layer = Load("memory:\n  postgresql:\n    patroni:\n      apiHost: node1\n");
        Assert.Contains(layer.Warnings, w => w.Contains("memory.postgresql.patroni.apiHost") && w.Contains("line 4"));
        Assert.Null(layer["PATRONI_HOSTS"]);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid(), "config.yaml");
        var error = Assert.Throws<PatroniHaException>(() => YamlConfigFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("does not exist", error.Message);
    }
}
