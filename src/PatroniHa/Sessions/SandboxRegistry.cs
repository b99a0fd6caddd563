using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Sessions;

/// <summary>The sandbox clusters one runspace started; removed with it.</summary>
internal sealed class SandboxRegistry
{
    private readonly object _gate = new();
    private readonly List<SandboxCluster> _sandboxes = [];

    public void Add(SandboxCluster sandbox)
    {
        lock (_gate)
            _sandboxes.Add(sandbox);
    }

    public IReadOnlyList<SandboxCluster> All
    {
        get
        {
            lock (_gate)
                return _sandboxes.ToList();
        }
    }

    public SandboxCluster? FindByPath(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        lock (_gate)
            return _sandboxes.FirstOrDefault(s => Path.GetFullPath(s.Path).TrimEnd('/') == full);
    }

    public bool Remove(SandboxCluster sandbox)
    {
        lock (_gate)
            return _sandboxes.Remove(sandbox);
    }

    public void DisposeAll()
    {
        List<SandboxCluster> sandboxes;
        lock (_gate)
        {
            sandboxes = _sandboxes.ToList();
            _sandboxes.Clear();
        }
        foreach (SandboxCluster sandbox in sandboxes)
        {
            try
            {
                sandbox.Dispose();
            }
            catch
            {
                // Closing down; the sandbox's watchdog cleans up whatever is left.
            }
        }
    }
}
