using System.Management.Automation;
using PatroniHa.Configuration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Sessions;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Connects to a Patroni cluster (or, with -SingleNode, one plain PostgreSQL server), or to whatever the
/// seed's environment variables / .env file / YAML file describe, and makes the session this runspace's
/// default (the first one, or with -Default). Parameters given on the command line win over the
/// environment, which wins over the .env file, which wins over the YAML file.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "PatroniCluster", DefaultParameterSetName = PatroniSet)]
[OutputType(typeof(PatroniSession))]
public sealed class ConnectPatroniClusterCommand : PatroniSessionSettingsCmdlet
{
    private const string PatroniSet = "Patroni";
    private const string SingleNodeSet = "SingleNode";
    private const string EnvironmentSet = "Environment";
    private const string ConfigFileSet = "ConfigFile";

    /// <summary>Patroni REST endpoints: host, host:port or http(s)://host:port (the seed's PATRONI_HOSTS).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PatroniSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(ParameterSetName = ConfigFileSet)]
    [ValidateNotNullOrEmpty]
    [Alias("ApiEndpoints", "PatroniHosts")]
    public string[]? ApiEndpoint { get; set; }

    /// <summary>Connect to one plain PostgreSQL server (the seed's single-node mode).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SingleNodeSet)]
    public SwitchParameter SingleNode { get; set; }

    /// <summary>The single-node server (PGHOST).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SingleNodeSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(ParameterSetName = ConfigFileSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Server")]
    public string? HostName { get; set; }

    /// <summary>Read ENABLE_PATRONI, PATRONI_* and libpq's PG* variables from the environment (and -EnvFile).</summary>
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    public SwitchParameter FromEnvironment { get; set; }

    /// <summary>A .env file with the seed's variables; the process environment overrides it.</summary>
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? EnvFile { get; set; }

    /// <summary>The seed's YAML (memory.postgresql.mode and its patroni: block); ${VAR} is expanded.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigFileSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>The PostgreSQL login (the seed's PATRONI_USER / PATRONI_PASSWORD).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PatroniSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = SingleNodeSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(ParameterSetName = ConfigFileSet)]
    [ValidateNotNull]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>A name to refer to the session by (-Session name); default: the cluster's or server's name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Make this the runspace's default session even if there is one already.</summary>
    [Parameter]
    public SwitchParameter Default { get; set; }

    /// <summary>Read-only queries: Eventual (any eligible replica), ReadYourWrites (a replica that replayed this session's writes, else the leader) or Strong (the leader, only while its own Patroni confirms the lock, as for writes).</summary>
    [Parameter]
    [ValidateSet("Eventual", "ReadYourWrites", "Strong")]
    public string Consistency { get; set; } = "Eventual";

    /// <summary>Read-only queries skip replicas more than this many bytes of WAL behind the leader (measured by the session).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxLagBytes { get; set; }

    /// <summary>Read-only queries skip replicas that may miss commits older than this many seconds (measured by the session).</summary>
    [Parameter]
    [ValidateRange(0.0, 86400.0)]
    public double MaxLagSec { get; set; }

    /// <summary>Ordered tag groups for read-only queries: replicas matching the first group win, then the next; @{} matches any.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public System.Collections.Hashtable[]? PreferTag { get; set; }

    /// <summary>Tags a replica must have to serve read-only queries (Patroni tags, e.g. @{ datacenter = 'us-east' }).</summary>
    [Parameter]
    [ValidateNotNull]
    public System.Collections.Hashtable? RequireTag { get; set; }

    /// <summary>How read-only queries pick among equally preferred replicas.</summary>
    [Parameter]
    [ValidateSet("RoundRobin", "Random", "LowestLatency")]
    public string ReplicaChoice { get; set; } = "RoundRobin";

    /// <summary>How long a ReadYourWrites read waits for a replica to catch up before it runs on the leader.</summary>
    [Parameter]
    [ValidateRange(0, 600000)]
    public int MaxWaitMs { get; set; } = 250;

    /// <summary>
    /// Every write also writes a marker row (table patroniha.commit_marker, created now) in its transaction, so a
    /// COMMIT whose answer a failover lost is settled on the new leader instead of ending as outcome-unknown.
    /// </summary>
    [Parameter]
    public SwitchParameter TrackCommitOutcome { get; set; }

    protected override void ProcessRecord()
    {
        SessionRegistry registry = SessionRegistry.ForCurrentRunspace()!;
        if (Name is not null && registry.Find(Name) is not null)
            throw Terminate(Errors.ErrorRecords.SessionNameInUse(Name));

        ConnectionRecipe recipe = BuildRecipe(FromEnvironment, EnvFile, ConfigPath, Credential);
        ClusterMode? mode = ParameterSetName switch
        {
            SingleNodeSet => ClusterMode.SingleNode,
            PatroniSet => ClusterMode.PatroniHa,
            _ => null,
        };
        ClusterOptions options = ResolveOptions(recipe, mode);
        WriteVerbose($"Connecting to {options}");
        ClusterSession engine = Run((_, ct) => SessionFactory.ConnectAsync(options, ct));
        if (TrackCommitOutcome)
        {
            try
            {
                Run((_, ct) => engine.EnableCommitTrackingAsync(ct), engine);
            }
            catch
            {
                Run((_, _) => engine.DisposeAsync().AsTask());
                throw;
            }
        }

        engine.Reads.DefaultPolicy = ReadPolicyBinding.Apply(ReadPolicy.Default, MyInvocation.BoundParameters);
        var session = new PatroniSession(registry.UniqueName(Name ?? DefaultName(engine, options)), engine, recipe);
        registry.Add(session, Default.IsPresent);
        WriteSessionEvents(engine);
        WriteObject(session);
    }

    private static string DefaultName(ClusterSession engine, ClusterOptions options) =>
        options.Mode == ClusterMode.SingleNode
            ? options.HostName ?? "localhost"
            : engine.Backend.Topology is { Scope: { Length: > 0 } scope }
                ? scope
                : "patroni";
}
