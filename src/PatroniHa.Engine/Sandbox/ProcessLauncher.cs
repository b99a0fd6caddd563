using System.Diagnostics;

namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// Starts a sandbox process with its output appended to a log file, in its own session, and as the
/// postgres user when we are root (PostgreSQL refuses to run as root).
/// </summary>
internal static class ProcessLauncher
{
    public const string ServiceUser = "postgres";

    // bash only wires the log and stdin, then execs: the pid we get is the pid of the real program.
    // stdout/stderr must not stay connected to ours, or a test runner would wait for the pipe to close.
    private const string Wrapper = "log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1";

    public static Process Start(string program, IEnumerable<string> args, string logFile, string workDir,
        bool asServiceUser)
    {
        var psi = new ProcessStartInfo("/bin/bash")
        {
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var a in new[] { "-c", Wrapper, "sandbox-launch", logFile, "setsid" }) psi.ArgumentList.Add(a);
        if (asServiceUser && NativeProcess.IsRoot)
            foreach (var a in new[] { "setpriv", $"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--" })
                psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(program);
        foreach (var a in args) psi.ArgumentList.Add(a);

        // libpq variables of the caller must not steer Patroni's own connections; HOME=/root is unreadable.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["HOME"] = workDir;
        // Patroni writes temporary password files; keep them inside the sandbox so teardown removes them.
        psi.Environment["TMPDIR"] = workDir;
        psi.Environment["LC_ALL"] = "C.UTF-8";

        return Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {program}.");
    }

    /// <summary>Gives a folder tree to the postgres user when we are root; otherwise nothing to do.</summary>
    public static void GiveToServiceUser(string path)
    {
        if (!NativeProcess.IsRoot) return;
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0)
            throw new InvalidOperationException($"chown -R {ServiceUser} '{path}' failed: {error.Trim()}");
    }
}
