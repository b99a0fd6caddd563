using System.Diagnostics;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Sandbox;

/// <summary>Creates the sandbox folder; disposal deletes it, so it must be new or empty.</summary>
internal static class SandboxFolder
{
    public const string Prefix = "patroniha-sandbox-";

    public static string Create(string? requested)
    {
        var path = System.IO.Path.GetFullPath(requested
            ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N")[..10]))
            .TrimEnd('/');
        if (path.Length < 2 || path.Count(c => c == '/') < 2)
            throw Invalid($"Refusing sandbox folder '{path}': it must be at least two levels below '/'.", path);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            throw Invalid($"Sandbox folder '{path}' is not empty; disposal deletes the folder, so give a new or empty one.", path);
        if (File.Exists(path))
            throw Invalid($"Sandbox path '{path}' is a file.", path);
        Directory.CreateDirectory(path);
        // The postgres user must traverse and write it even though root created it.
        SetMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                   | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                   | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>chmod; the sandbox only runs on Linux (StartAsync checks).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    /// <summary>When root: checks that the postgres user can write the folder (e.g. not under /root).</summary>
    public static void EnsureServiceUserCanWrite(string path)
    {
        if (!NativeProcess.IsRoot) return;
        using var test = Process.Start(new ProcessStartInfo("setpriv",
            [$"--reuid={ProcessLauncher.ServiceUser}", $"--regid={ProcessLauncher.ServiceUser}", "--init-groups", "--",
             "test", "-w", path]) { UseShellExecute = false })!;
        test.WaitForExit();
        if (test.ExitCode != 0)
            throw Invalid($"The '{ProcessLauncher.ServiceUser}' user cannot write the sandbox folder '{path}' "
                          + "(PostgreSQL refuses to run as root, so the sandbox runs as that user). "
                          + "Choose a folder it can reach, e.g. under /tmp.", path);
    }

    /// <summary>Deletes the folder, retrying briefly while the last killed processes let go of it.</summary>
    public static void Delete(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return;
            }
            catch (Exception) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static PatroniHaException Invalid(string message, string path) =>
        new(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, path);
}
