using System.Management.Automation;
using PatroniHa.Configuration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Migration;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// The migration guide's prerequisites and verification as one read-only check, from this machine: a leader and
/// 2+ streaming replicas, every member's REST API and PostgreSQL login, one PostgreSQL major version, Patroni 2.0+,
/// the named extensions, TLS when given. Works with a session, or before any session exists from the same
/// connection parameters (or environment) Connect-PatroniCluster takes. One MigrationReadiness object; an
/// unreachable cluster is a failed result, not an error.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PatroniMigration", DefaultParameterSetName = SessionSet)]
[OutputType(typeof(MigrationReadiness))]
public sealed class TestPatroniMigrationCommand : PatroniConnectionCmdlet
{
    private const string SessionSet = "Session";
    private const string PatroniSet = "Patroni";
    private const string EnvironmentSet = "Environment";

    /// <summary>Extensions the application needs (the migration guide's ruvector): created on the leader, files on every replica.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 63)]
    public string[] Extension { get; set; } = [];

    /// <summary>Check the cluster of this session (object or name), with its login; default: this runspace's default session.</summary>
    [Parameter(ParameterSetName = SessionSet, ValueFromPipeline = true)]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public PatroniSession? Session { get; set; }

    /// <summary>Patroni REST endpoints: host, host:port or http(s)://host:port (the seed's PATRONI_HOSTS).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PatroniSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    [Alias("ApiEndpoints", "PatroniHosts")]
    public string[]? ApiEndpoint { get; set; }

    /// <summary>The application's PostgreSQL login (the seed's PATRONI_USER / PATRONI_PASSWORD); with -Session, another login to test.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PatroniSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SessionSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNull]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Read PATRONI_* and libpq's PG* variables from the environment (and -EnvFile), as the application will.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    public SwitchParameter FromEnvironment { get; set; }

    /// <summary>A .env file with the seed's variables; the process environment overrides it.</summary>
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? EnvFile { get; set; }

    /// <summary>The seed's YAML (memory.postgresql.patroni block); ${VAR} is expanded.</summary>
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>How long each member may take to answer (REST API and login together); a dead member costs no more.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSec { get; set; } = 15;

    protected override void ProcessRecord()
    {
        ConnectionRecipe recipe = BuildRecipe(FromEnvironment, EnvFile, ConfigPath, Credential);
        if (ParameterSetName == SessionSet)
        {
            // A single-node session may carry the Patroni settings it will switch to: check those.
            PatroniSession session = RequireSession(Session, mustBeConnected: false);
            recipe = session.Recipe.Overlay(recipe);
        }
        ClusterOptions options = ResolveOptions(recipe, ClusterMode.PatroniHa);
        string[] extensions = Extension.Distinct(StringComparer.Ordinal).ToArray();
        WriteVerbose($"Checking migration readiness of {options}" +
                     (extensions.Length > 0 ? $", extensions {string.Join(", ", extensions)}" : ""));
        MigrationReport report = Run((_, ct) =>
            MigrationChecker.CheckAsync(options, extensions, TimeSpan.FromSeconds(TimeoutSec), ct));
        var result = new MigrationReadiness(report);
        foreach (MigrationReadinessCheck row in result.Checks.Where(c => c.Status != PatroniCheckStatus.Passed))
            WriteVerbose(row.ToString());
        WriteObject(result);
    }
}
