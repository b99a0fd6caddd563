using System.Management.Automation;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Starts a throwaway Patroni cluster on 127.0.0.1 from the OS packages (etcd + Patroni + PostgreSQL) and
/// waits until every member runs. It lives as long as this runspace, or until Stop-PatroniSandbox.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "PatroniSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PatroniSandboxInfo))]
public sealed class StartPatroniSandboxCommand : PatroniCmdlet
{
    [Parameter]
    [ValidateRange(1, SandboxOptions.MaxNodes)]
    public int Nodes { get; set; } = 3;

    /// <summary>An empty or new folder for the sandbox; default: a new folder under the temp directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The Patroni scope (cluster name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePattern("^[A-Za-z0-9_-]+$")]
    public string Name { get; set; } = "sandbox";

    /// <summary>Patroni's synchronous_mode: only a standby with every acknowledged commit is promoted.</summary>
    [Parameter]
    public SwitchParameter SynchronousMode { get; set; }

    /// <summary>TLS everywhere with a throwaway CA (its path: CaCertificatePath on the result): PostgreSQL
    /// accepts only TLS connections (hostssl), the REST API speaks https.</summary>
    [Parameter]
    public SwitchParameter Tls { get; set; }

    /// <summary>Enables Patroni's REST API basic auth (restapi.authentication) with this user and password.</summary>
    [Parameter]
    [ValidateNotNull]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    /// <summary>How long to wait for a healthy cluster (a leader, every replica streaming).</summary>
    [Parameter]
    [ValidateRange(10, 3600)]
    public int TimeoutSec { get; set; } = 120;

    protected override void ProcessRecord()
    {
        // It starts processes and writes a folder: -WhatIf should show that and do neither.
        if (!ShouldProcess(Path ?? "a new folder under the temp directory", $"Start a {Nodes}-member Patroni sandbox '{Name}'"))
            return;
        var options = new SandboxOptions
        {
            Nodes = Nodes,
            Path = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path),
            Scope = Name,
            SynchronousMode = SynchronousMode,
            StartTimeout = TimeSpan.FromSeconds(TimeoutSec),
            Tls = Tls,
            ApiCredential = ApiCredential?.GetNetworkCredential(),
        };
        // Taken here: the runspace's state is only reachable from the pipeline thread.
        SandboxRegistry registry = ModuleState.Current.Sandboxes;
        var progress = new ProgressRecord(1, "Starting Patroni sandbox", "Locating binaries");
        PatroniSandboxInfo info = Run(async (queue, ct) =>
        {
            Action<string, int?> post = ProgressPoster(queue, progress);
            SandboxCluster cluster = await SandboxCluster.StartAsync(options, step => post(step, null), ct)
                .ConfigureAwait(false);
            // Registered at once, so a Ctrl+C from here on cannot leave a cluster nothing will stop.
            registry.Add(cluster);
            string? leader = await cluster.GetLeaderNameAsync(ct).ConfigureAwait(false);
            return new PatroniSandboxInfo(cluster, leader);
        });
        CompleteProgress(progress);
        WriteObject(info);
    }
}
