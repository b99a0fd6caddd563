using System.Diagnostics;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using static PatroniHa.Module.Tests.Modes.ModeTestSupport;

namespace PatroniHa.Module.Tests.Modes;

/// <summary>
/// Connect-PatroniCluster -FromEnvironment [-EnvFile] and -ConfigPath with the seed's variables and YAML
/// layout, precedence (command line > process environment > .env > YAML), and every bad value.
/// </summary>
[Collection(SandboxCollection.Name)]
public class ConfigurationTests(SandboxFixture cluster)
{
    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public void The_seeds_env_file_connects_in_Patroni_mode()
    {
        using var folder = new TempFolder();
        // The seed's layout: host names in PATRONI_HOSTS, the port in PATRONI_PORT.
        string envFile = folder.Write(".env", $"""
            # Enable Patroni mode
            ENABLE_PATRONI=true
            PATRONI_HOSTS=127.0.0.1
            PATRONI_PORT={ApiPorts(cluster)[0]}
            PATRONI_DB=postgres
            PATRONI_USER={User(cluster)}
            PATRONI_PASSWORD="{cluster.Password}"
            PATRONI_MIN_CONNECTIONS=1
            PATRONI_MAX_CONNECTIONS=5
            PATRONI_HEALTH_CHECK_INTERVAL=10
            PATRONI_FAILOVER_TIMEOUT=15
            PATRONI_SSLMODE=prefer
            """);
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f", Vars(("f", envFile))).Single();
        Assert.Equal("PatroniHa", session.Properties["Mode"].Value);
        Assert.Equal("postgres", session.Properties["Database"].Value);
        Assert.Equal(User(cluster), session.Properties["UserName"].Value);
        Assert.Equal(["127.0.0.1"], (string[])session.Properties["ApiEndpoint"].Value);
        Assert.Equal("patroni", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);
        Assert.Equal(3, ps.Ok("Get-PatroniTopology").Count);
        Assert.Equal(true, ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS r' -ReadOnly").Single().Properties["r"].Value);
        Assert.DoesNotContain(ps.Transcript, t => t.Contains(cluster.Password, StringComparison.Ordinal));
    }

    [Fact]
    public void Process_environment_beats_the_env_file_and_the_command_line_beats_both()
    {
        using var folder = new TempFolder();
        string envFile = folder.Write(".env", $"""
            PATRONI_HOSTS={string.Join(",", cluster.ApiEndpoints)}
            PATRONI_DB=db_from_dotenv_file
            PATRONI_USER={User(cluster)}
            PATRONI_PASSWORD={cluster.Password}
            PATRONI_MAX_CONNECTIONS=not-a-number
            """);
        using var ps = new PowerShellSession();
        using (new EnvironmentScope(new Dictionary<string, string?>
        {
            ["PATRONI_DB"] = "postgres",
            ["PATRONI_MAX_CONNECTIONS"] = "7",
        }))
        {
            // The environment's PATRONI_DB and PATRONI_MAX_CONNECTIONS hide the file's (bad) ones.
            PSObject session = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f -Name envwins", Vars(("f", envFile))).Single();
            Assert.Equal("postgres", session.Properties["Database"].Value);
            Assert.Equal("postgres", ps.Ok("Invoke-PatroniQuery -Session envwins 'SELECT current_database()' -As Scalar").Single().BaseObject);
        }
        using (new EnvironmentScope(new Dictionary<string, string?>
        {
            ["PATRONI_DB"] = "db_from_environment",
            ["PATRONI_MAX_CONNECTIONS"] = "also-bad",
        }))
        {
            // -Database and -MaxPoolSize beat both.
            PSObject session = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f -Database postgres -MaxPoolSize 4 -Name cmdwins",
                Vars(("f", envFile))).Single();
            Assert.Equal("postgres", session.Properties["Database"].Value);
            Assert.Equal("postgres", ps.Ok("Invoke-PatroniQuery -Session cmdwins 'SELECT current_database()' -As Scalar").Single().BaseObject);

            // Without the parameters the environment's bad value is reported, naming its source.
            ScriptResult bad = ps.Run("Connect-PatroniCluster -FromEnvironment -EnvFile $f", Vars(("f", envFile)));
            Assert.StartsWith("PatroniInvalidConfiguration,", bad.FirstError!.FullyQualifiedErrorId);
            Assert.Contains("PATRONI_MAX_CONNECTIONS (from environment): 'also-bad' is not a whole number", bad.FirstError.Exception.Message);
        }
    }

    [Fact]
    public void ENABLE_PATRONI_false_means_single_node_from_libpq_variables()
    {
        int leaderPort;
        using (var probe = cluster.Connect())
            leaderPort = PortOf(Primary(probe));
        using var folder = new TempFolder();
        string envFile = folder.Write(".env", $"""
            ENABLE_PATRONI=false
            PATRONI_HOSTS=ignored-in-single-node-mode
            PGHOST=127.0.0.1
            PGPORT={leaderPort}
            PGDATABASE=postgres
            PGUSER={User(cluster)}
            PGPASSWORD='{cluster.Password}'
            PGSSLMODE=prefer
            """);
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f", Vars(("f", envFile))).Single();
        Assert.Equal("SingleNode", session.Properties["Mode"].Value);
        Assert.Equal($"127.0.0.1:{leaderPort}", session.Properties["Primary"].Value);
        PSObject health = ps.Ok("Get-PatroniHealth").Single();
        Assert.Equal("single-node", health.Properties["Mode"].Value);
        Assert.Equal("healthy", health.Properties["Status"].Value);
        Assert.Equal(leaderPort, ps.Ok("Invoke-PatroniQuery 'SELECT inet_server_port()' -ReadOnly -As Scalar").Single().BaseObject);
    }

    [Fact]
    public void The_seeds_YAML_with_variables_connects_and_parameters_win_over_it()
    {
        using var folder = new TempFolder();
        string passwordVariable = "PATRONIHA_TEST_PW_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        string placeholder = "${" + passwordVariable + "}";
        string hosts = string.Join("\n", cluster.ApiEndpoints.Select(e => "        - " + e));
        string yaml = folder.Write("config.yaml", $"""
            memory:
              postgresql:
                # Change mode from single-node to patroni-ha
                mode: patroni-ha
                patroni:
                  enabled: true
                  apiHosts:
            {hosts}
                  apiPort: 8008
                  database: db_from_yaml
                  user: {User(cluster)}
                  password: {placeholder}
                  minConnections: 1
                  maxConnections: 6
                  healthCheckInterval: 30
            """);
        using var ps = new PowerShellSession();
        using (new EnvironmentScope(new Dictionary<string, string?> { [passwordVariable] = cluster.Password }))
        {
            // YAML alone: database db_from_yaml does not exist, so -Database (the command line) must win.
            PSObject session = ps.Ok("Connect-PatroniCluster -ConfigPath $y -Database postgres", Vars(("y", yaml))).Single();
            Assert.Equal("PatroniHa", session.Properties["Mode"].Value);
            Assert.Equal("postgres", session.Properties["Database"].Value);
            Assert.Equal(3, ps.Ok("Get-PatroniTopology").Count);

            // .env beats YAML (with -FromEnvironment -EnvFile -ConfigPath together).
            string envFile = folder.Write(".env", "PATRONI_DB=postgres\n");
            PSObject layered = ps.Ok("Connect-PatroniCluster -FromEnvironment -EnvFile $f -ConfigPath $y -Name layered",
                Vars(("f", envFile), ("y", yaml))).Single();
            Assert.Equal("postgres", layered.Properties["Database"].Value);
        }

        // The variable unset: the YAML cannot be used, and the message says which variable.
        ScriptResult unset = ps.Run("Connect-PatroniCluster -ConfigPath $y", Vars(("y", yaml)));
        Assert.StartsWith("PatroniInvalidConfiguration,", unset.FirstError!.FullyQualifiedErrorId);
        Assert.Contains(passwordVariable, unset.FirstError.Exception.Message);
        Assert.Contains("memory.postgresql.patroni.password", unset.FirstError.Exception.Message);
        Assert.DoesNotContain(ps.Transcript, t => t.Contains(cluster.Password, StringComparison.Ordinal));
    }

    [Fact]
    public void The_seeds_YAML_rollback_mode_single_node_connects_to_the_server()
    {
        int leaderPort;
        using (var probe = cluster.Connect())
            leaderPort = PortOf(Primary(probe));
        using var folder = new TempFolder();
        string yaml = folder.Write("config.yaml", $"""
            memory:
              postgresql:
                mode: single-node
                host: 127.0.0.1
                port: {leaderPort}
                database: postgres
                patroni:
                  enabled: true
                  apiHosts: [node1, node2, node3]
            """);
        using var ps = new PowerShellSession();
        PSObject session = ps.Ok("Connect-PatroniCluster -ConfigPath $y -Credential $cred",
            new Dictionary<string, object?>(cluster.Variables()) { ["y"] = yaml }).Single();
        Assert.Equal("SingleNode", session.Properties["Mode"].Value);
        Assert.Equal("single-node", ps.Ok("(Get-PatroniHealth).Mode").Single().BaseObject);
    }

    public static TheoryData<string, string, string> BadEnvFiles => new()
    {
        // .env body (the password line is added), the setting, what the message says
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_PORT=80a8", "PATRONI_PORT", "'80a8' is not a port number" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_PORT=70000", "PATRONI_PORT", "70000 is out of range" },
        { "PATRONI_HOSTS=,,", "PATRONI_HOSTS", "entry 1 of 3 is blank" },
        { "ENABLE_PATRONI=true", "PATRONI_HOSTS", "PATRONI_HOSTS is not set" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_SSLMODE=sometimes", "PATRONI_SSLMODE", "'sometimes' is not an SSL mode" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_MIN_CONNECTIONS=10\nPATRONI_MAX_CONNECTIONS=5", "PATRONI_MIN_CONNECTIONS", "10 is greater than PATRONI_MAX_CONNECTIONS (5" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_HEALTH_CHECK_INTERVAL=often", "PATRONI_HEALTH_CHECK_INTERVAL", "'often' is not a number of seconds" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_FAILOVER_TIMEOUT=-3", "PATRONI_FAILOVER_TIMEOUT", "-3 is out of range" },
        { "PATRONI_HOSTS=127.0.0.1\nPATRONI_SSLROOTCERT=/no/such/ca.pem", "PATRONI_SSLROOTCERT", "does not exist" },
        { "ENABLE_PATRONI=perhaps\nPATRONI_HOSTS=127.0.0.1", "ENABLE_PATRONI", "'perhaps' is not a yes/no value" },
        { "ENABLE_PATRONI=false\nPGHOST=127.0.0.1\nPGPORT=five", "PGPORT", "'five' is not a port number" },
        { "ENABLE_PATRONI=false\nPGHOST=127.0.0.1\nPGSSLMODE=strict", "PGSSLMODE", "'strict' is not an SSL mode" },
    };

    [Theory]
    [MemberData(nameof(BadEnvFiles))]
    public void Every_bad_value_is_InvalidConfiguration_naming_the_setting_and_its_source(string body, string setting, string says)
    {
        using var folder = new TempFolder();
        string secret = "S3cret-" + Guid.NewGuid().ToString("N");
        string envFile = folder.Write(".env", $"PATRONI_USER=someone\nPATRONI_PASSWORD={secret}\nPGUSER=someone\nPGPASSWORD={secret}\n{body}\n");
        using var ps = new PowerShellSession();
        var watch = Stopwatch.StartNew();
        ScriptResult result = ps.Run("Connect-PatroniCluster -FromEnvironment -EnvFile $f", Vars(("f", envFile)));
        watch.Stop();
        ErrorRecord error = result.FirstError!;
        Assert.NotNull(error);
        Assert.StartsWith("PatroniInvalidConfiguration,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        string message = error.Exception.Message;
        Assert.Contains(setting, message);
        Assert.Contains(says, message);
        if (says != "PATRONI_HOSTS is not set")
            Assert.Contains($"(from .env file {envFile} line ", message);
        Assert.DoesNotContain(secret, string.Join("\n", ps.Transcript));
        Assert.Empty(ps.Ok("Get-PatroniSession"));
        Assert.True(watch.ElapsedMilliseconds < 1500, $"rejected before connecting ({watch.ElapsedMilliseconds} ms)");
    }

    [Fact]
    public void Missing_password_and_several_problems_are_reported_together_before_connecting()
    {
        using var folder = new TempFolder();
        string envFile = folder.Write(".env", "PATRONI_HOSTS=127.0.0.1:1\nPATRONI_USER=someone\nPATRONI_PORT=x\nPATRONI_MAX_CONNECTIONS=0\n");
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Connect-PatroniCluster -FromEnvironment -EnvFile $f", Vars(("f", envFile)));
        Assert.StartsWith("PatroniInvalidConfiguration,", result.FirstError!.FullyQualifiedErrorId);
        string message = result.FirstError.Exception.Message;
        Assert.Contains("3 problems", message);
        Assert.Contains("No database password is set", message);
        Assert.Contains("PATRONI_PASSWORD", message);
        Assert.Contains("PATRONI_PORT (from .env file", message);
        Assert.Contains("PATRONI_MAX_CONNECTIONS (from .env file", message);
        Assert.Contains("PATRONI_PASSWORD", (string[])result.FirstError.TargetObject);
    }

    [Fact]
    public void Bad_YAML_values_name_the_YAML_key_and_line()
    {
        using var folder = new TempFolder();
        string secret = "S3cret-" + Guid.NewGuid().ToString("N");
        string yaml = folder.Write("config.yaml", $"""
            memory:
              postgresql:
                mode: patroni-ha
                patroni:
                  apiHosts: []
                  apiPort: eighty
                  user: someone
                  password: {secret}
                  minConnections: 3
                  maxConnections: 2
            """);
        using var ps = new PowerShellSession();
        ScriptResult result = ps.Run("Connect-PatroniCluster -ConfigPath $y", Vars(("y", yaml)));
        Assert.StartsWith("PatroniInvalidConfiguration,", result.FirstError!.FullyQualifiedErrorId);
        string message = result.FirstError.Exception.Message;
        Assert.Contains("PATRONI_PORT (from YAML " + yaml + " line 6, memory.postgresql.patroni.apiPort): 'eighty' is not a port number", message);
        Assert.Contains("PATRONI_MIN_CONNECTIONS (from YAML", message);
        Assert.Contains("PATRONI_HOSTS", message);
        Assert.DoesNotContain(secret, string.Join("\n", ps.Transcript));
    }
}
