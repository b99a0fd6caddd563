using System.Management.Automation;

namespace PatroniHa.Commands;

/// <summary>
/// The settings of a session on top of how to reach the cluster: pools, monitor interval, failover timeout, the
/// single-node port and the REST API user for switchovers (Connect-PatroniCluster and Switch-PatroniMode).
/// </summary>
public abstract class PatroniSessionSettingsCmdlet : PatroniConnectionCmdlet
{
    /// <summary>The single-node server's port (PGPORT, default 5432).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    /// <summary>Connections kept open per server (PATRONI_MIN_CONNECTIONS, default 2).</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int MinPoolSize { get; set; } = 2;

    /// <summary>Most connections per server and database (PATRONI_MAX_CONNECTIONS, default 20).</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>Background topology refresh interval (PATRONI_HEALTH_CHECK_INTERVAL, default 30).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int HealthCheckIntervalSec { get; set; } = 30;

    /// <summary>How long a write waits for a new leader (PATRONI_FAILOVER_TIMEOUT, default 30).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int FailoverTimeoutSec { get; set; } = 30;

    /// <summary>Patroni's REST basic-auth user, for the endpoints that change the cluster (switchover …).</summary>
    [Parameter]
    [ValidateNotNull]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    /// <summary>Send -ApiCredential over plain http too (by default only over https).</summary>
    [Parameter]
    public SwitchParameter AllowCredentialOverHttp { get; set; }

    private protected override System.Net.NetworkCredential? ApiNetworkCredential => ApiCredential?.GetNetworkCredential();

    private protected override bool? ApiAllowCredentialOverHttp =>
        Bound(nameof(AllowCredentialOverHttp)) ? AllowCredentialOverHttp.IsPresent : null;
}
