using System.Management.Automation;
using System.Net;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Sessions;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Connects to a Patroni cluster (or one plain PostgreSQL server with -SingleNode) and makes the session
/// this runspace's default (the first one, or with -Default).
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "PatroniCluster", DefaultParameterSetName = PatroniSet)]
[OutputType(typeof(PatroniSession))]
public sealed class ConnectPatroniClusterCommand : PatroniCmdlet
{
    private const string PatroniSet = "Patroni";
    private const string SingleNodeSet = "SingleNode";

    /// <summary>Patroni REST endpoints: host, host:port or http(s)://host:port (the seed's PATRONI_HOSTS).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PatroniSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("ApiEndpoints", "PatroniHosts")]
    public string[] ApiEndpoint { get; set; } = [];

    /// <summary>Port for endpoints given without one (the seed's PATRONI_PORT).</summary>
    [Parameter(ParameterSetName = PatroniSet)]
    [ValidateRange(1, 65535)]
    public int ApiPort { get; set; } = 8008;

    /// <summary>Connect to one plain PostgreSQL server instead (the seed's single-node mode).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SingleNodeSet)]
    public SwitchParameter SingleNode { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = SingleNodeSet)]
    [ValidateNotNullOrEmpty]
    [Alias("Server")]
    public string HostName { get; set; } = "";

    [Parameter(ParameterSetName = SingleNodeSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    /// <summary>The PostgreSQL login (the seed's PATRONI_USER / PATRONI_PASSWORD).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>The database (the seed's PATRONI_DB); default postgres.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = "postgres";

    /// <summary>A name to refer to the session by (-Session name); default: the cluster's or server's name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateRange(0, 10000)]
    public int MinPoolSize { get; set; } = 2;

    [Parameter]
    [ValidateRange(1, 10000)]
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>How often the topology is refreshed in the background (the seed's PATRONI_HEALTH_CHECK_INTERVAL).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int HealthCheckIntervalSec { get; set; } = 30;

    /// <summary>How long a write waits for a new leader (the seed's PATRONI_FAILOVER_TIMEOUT).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int FailoverTimeoutSec { get; set; } = 30;

    /// <summary>Make this the runspace's default session even if there is one already.</summary>
    [Parameter]
    public SwitchParameter Default { get; set; }

    protected override void ProcessRecord()
    {
        if (MinPoolSize > MaxPoolSize)
        {
            ThrowTerminatingError(Errors.ErrorRecords.Create(Engine.Errors.PatroniErrorIds.InvalidConfiguration,
                ErrorCategory.InvalidArgument,
                $"-MinPoolSize ({MinPoolSize}) is larger than -MaxPoolSize ({MaxPoolSize}); give a minimum no larger than the maximum.",
                MinPoolSize));
        }

        ClusterOptions options = BuildOptions();
        WriteVerbose($"Connecting to {options}");
        ClusterSession engine = Run((_, ct) => SessionFactory.ConnectAsync(options, ct));

        SessionRegistry registry = SessionRegistry.ForCurrentRunspace()!;
        string wanted = Name ?? DefaultName(engine, options);
        if (Name is not null && registry.Find(Name) is not null)
        {
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            ThrowTerminatingError(Errors.ErrorRecords.Create("PatroniSessionNameInUse", ErrorCategory.ResourceExists,
                $"A session named '{Name}' already exists in this runspace. Disconnect it first " +
                $"(Disconnect-PatroniCluster -Session {Name}) or choose another -Name.", Name));
        }
        var session = new PatroniSession(registry.UniqueName(wanted), engine);
        registry.Add(session, Default.IsPresent);
        WriteSessionEvents(engine);
        WriteObject(session);
    }

    private ClusterOptions BuildOptions()
    {
        NetworkCredential credential = Credential.GetNetworkCredential();
        var options = new ClusterOptions
        {
            Mode = SingleNode ? ClusterMode.SingleNode : ClusterMode.PatroniHa,
            Api = new PatroniApiOptions { Endpoints = ApiEndpoint, DefaultPort = ApiPort },
            HostName = SingleNode ? HostName : null,
            Port = Port,
            Database = Database,
            Credential = credential,
            MinPoolSize = MinPoolSize,
            MaxPoolSize = MaxPoolSize,
            HealthCheckInterval = TimeSpan.FromSeconds(HealthCheckIntervalSec),
            FailoverTimeout = TimeSpan.FromSeconds(FailoverTimeoutSec),
        };
        return options;
    }

    private static string DefaultName(ClusterSession engine, ClusterOptions options) =>
        options.Mode == ClusterMode.SingleNode
            ? options.HostName!
            : engine.Backend is Engine.Routing.PatroniBackend p && p.Monitor.Current?.Scope is { Length: > 0 } scope
                ? scope
                : "patroni";
}
