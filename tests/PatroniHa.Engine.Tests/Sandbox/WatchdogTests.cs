using System.Diagnostics;
using PatroniHa.Engine.Sandbox;
using Xunit;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>The watchdog cleans up when the owning process dies without disposing (e.g. SIGKILL).</summary>
public sealed class WatchdogTests
{
    [Fact]
    public void KillsSandboxProcessesAndDeletesFolderWhenOwnerDies()
    {
        var dir = Directory.CreateTempSubdirectory("patroniha-watchdog-").FullName;
        var dummyFile = Path.Combine(dir, "dummy.log");
        File.WriteAllText(dummyFile, "");
        using var owner = Process.Start("sleep", "600");
        // Stands in for etcd/patroni/postgres: a process whose command line names a file in the folder.
        using var dummy = Process.Start("tail", ["-f", dummyFile]);
        using var bystander = Process.Start("sleep", "600");
        using var watchdog = SandboxWatchdog.Start(dir, owner.Id);
        try
        {
            Thread.Sleep(1500);
            Assert.True(watchdog.IsRunning, "the watchdog must wait while its owner lives");
            Assert.False(dummy.HasExited);
            Assert.True(Directory.Exists(dir));

            owner.Kill();
            Assert.True(dummy.WaitForExit(10_000), "the sandbox process should be killed after the owner died");
            Assert.True(SpinWait.SpinUntil(() => !Directory.Exists(dir), 5_000), "the folder should be deleted");
            Assert.True(SpinWait.SpinUntil(() => !watchdog.IsRunning, 5_000), "the watchdog should exit");
            Assert.False(bystander.HasExited, "processes outside the sandbox must survive");
        }
        finally
        {
            foreach (var p in new[] { owner, dummy, bystander })
                if (!p.HasExited) p.Kill();
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DisposeStopsTheWatchdogWithoutCleaningUp()
    {
        var dir = Directory.CreateTempSubdirectory("patroniha-watchdog-").FullName;
        using var owner = Process.Start("sleep", "600");
        try
        {
            var watchdog = SandboxWatchdog.Start(dir, owner.Id);
            watchdog.Dispose();
            owner.Kill();
            owner.WaitForExit();
            Thread.Sleep(1500);
            Assert.True(Directory.Exists(dir));
        }
        finally
        {
            if (!owner.HasExited) owner.Kill();
            Directory.Delete(dir, true);
        }
    }
}
