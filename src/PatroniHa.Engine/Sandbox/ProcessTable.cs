namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// Reads /proc to find the processes of a sandbox. A process belongs to a sandbox when its command line
/// names a file inside the sandbox folder (etcd --data-dir, patroni CONFIG, postgres -D …); PostgreSQL's
/// children rename themselves ("postgres: sandbox: checkpointer"), so they are found as children instead.
/// </summary>
internal static class ProcessTable
{
    public static string? ReadCommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Parent pid and state letter from /proc/PID/stat; null when the process is gone.</summary>
    public static (int Parent, char State)? ReadStat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // The command name is in parentheses and may itself contain spaces or ')'.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out var parent) ? (parent, fields[0][0]) : null;
    }

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid) => ReadStat(pid) is { State: not 'Z' and not 'X' };

    public static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(System.IO.Path.GetFileName(dir), out var pid))
                yield return pid;
    }

    /// <summary>Live processes whose command line contains <paramref name="fragment"/>.</summary>
    public static List<int> FindByCommandLine(string fragment, IReadOnlySet<int> exclude)
    {
        var self = Environment.ProcessId;
        return AllPids()
            .Where(pid => pid != self && !exclude.Contains(pid))
            .Where(pid => ReadCommandLine(pid)?.Contains(fragment, StringComparison.Ordinal) == true)
            .Where(IsAlive)
            .ToList();
    }

    /// <summary>
    /// SIGKILLs the processes and their direct children. Each is stopped first so that a postmaster cannot
    /// fork a replacement between the children being killed and itself.
    /// </summary>
    public static void KillWithChildren(IReadOnlyCollection<int> pids)
    {
        if (pids.Count == 0) return;
        foreach (var pid in pids) NativeProcess.Signal(pid, NativeProcess.SigStop);
        var set = pids.ToHashSet();
        foreach (var pid in AllPids())
            if (!set.Contains(pid) && ReadStat(pid) is { } stat && set.Contains(stat.Parent))
                NativeProcess.Signal(pid, NativeProcess.SigKill);
        foreach (var pid in pids) NativeProcess.Signal(pid, NativeProcess.SigKill);
    }

    /// <summary>Polls until none of the processes is alive or the timeout passes; true when all are gone.</summary>
    public static bool WaitGone(IEnumerable<int> pids, TimeSpan timeout)
    {
        var list = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (list.Any(IsAlive))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }
}
