using System.Runtime.InteropServices;

namespace PatroniHa.Engine.Sandbox;

/// <summary>POSIX signals and ids that System.Diagnostics.Process does not offer (SIGSTOP, SIGCONT, SIGTERM).</summary>
internal static class NativeProcess
{
    // Same numbers on x86_64 and arm64 Linux.
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint SysGetEuid();

    public static bool IsRoot => OperatingSystem.IsLinux() && SysGetEuid() == 0;

    /// <summary>Sends a signal; false when the process is gone (or not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;
}
