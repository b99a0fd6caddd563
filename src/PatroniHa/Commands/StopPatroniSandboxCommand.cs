using System.Management.Automation;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>Stops a sandbox cluster and deletes its folder (with no argument: every sandbox of this runspace).</summary>
[Cmdlet(VerbsLifecycle.Stop, "PatroniSandbox", SupportsShouldProcess = true, DefaultParameterSetName = "All")]
[OutputType(typeof(void))]
public sealed class StopPatroniSandboxCommand : PatroniCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, ParameterSetName = "Sandbox")]
    [ValidateNotNull]
    public PatroniSandboxInfo? Sandbox { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        SandboxRegistry registry = ModuleState.Current.Sandboxes;
        IEnumerable<SandboxCluster> targets = ParameterSetName switch
        {
            "Sandbox" => [Sandbox!.Cluster],
            "Path" => registry.FindByPath(GetUnresolvedProviderPathFromPSPath(Path!)) is { } found ? [found] : NotFound(),
            _ => registry.All,
        };
        foreach (SandboxCluster sandbox in targets)
        {
            if (!ShouldProcess(sandbox.Path, "Stop the sandbox cluster and delete its folder"))
                continue;
            registry.Remove(sandbox);
            Run(async (_, _) => await sandbox.DisposeAsync().ConfigureAwait(false));
            WriteVerbose($"Removed sandbox {sandbox.Scope} at {sandbox.Path}.");
        }
    }

    private SandboxCluster[] NotFound()
    {
        WriteError(Errors.ErrorRecords.SandboxNotFound(Path!));
        return [];
    }
}
