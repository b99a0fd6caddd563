using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace PatroniHa.Sessions;

/// <summary>
/// Everything the module keeps for one runspace: its sessions and the sandboxes it started. Keyed by
/// runspace, never static per process: ForEach-Object -Parallel, thread jobs and editors run many runspaces
/// in one process. Released when the runspace closes or the module is removed.
/// </summary>
internal sealed class ModuleState
{
    private static readonly ConditionalWeakTable<Runspace, ModuleState> s_byRunspace = new();

    public SessionRegistry Sessions { get; } = new();

    public SandboxRegistry Sandboxes { get; } = new();

    /// <summary>The state of the runspace running the calling cmdlet.</summary>
    public static ModuleState Current =>
        For(Runspace.DefaultRunspace ?? throw new InvalidOperationException("No runspace on this thread."));

    public static ModuleState? CurrentOrNull => Runspace.DefaultRunspace is { } rs ? For(rs) : null;

    public static ModuleState For(Runspace runspace) =>
        s_byRunspace.GetValue(runspace, rs =>
        {
            var state = new ModuleState();
            rs.StateChanged += (_, e) =>
            {
                if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
                    state.Release();
            };
            return state;
        });

    /// <summary>Disconnects every session (stopping its monitor) and removes every sandbox.</summary>
    public void Release()
    {
        Sessions.DisposeAll();
        Sandboxes.DisposeAll();
    }
}
