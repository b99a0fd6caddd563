using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>Start and teardown of a private sandbox.</summary>
[Collection(OwnClusterCollection.Name)]
public sealed class SandboxLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DisposeLeavesNoProcessAndNoFolder()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        var cluster = await SandboxCluster.StartAsync(new SandboxOptions { Nodes = 2, Scope = "lifecycle" }, output.WriteLine);
        var path = cluster.Path;
        var pids = cluster.Members.SelectMany(m => new[] { m.PatroniPid, m.PostgresPid }).ToList();
        Assert.All(pids, p => Assert.NotNull(p));
        Assert.NotEmpty(ProcessTable.FindByCommandLine(path + "/", new HashSet<int>()));

        await cluster.DisposeAsync();
        cluster.Dispose(); // idempotent

        Assert.False(Directory.Exists(path));
        Assert.Empty(ProcessesNaming(path));
        Assert.All(pids, p => Assert.False(ProcessTable.IsAlive(p!.Value), $"pid {p} still alive"));
    }

    private static List<string> ProcessesNaming(string path) =>
        ProcessTable.AllPids()
            .Where(ProcessTable.IsAlive)
            .Select(pid => (pid, cmd: ProcessTable.ReadCommandLine(pid)))
            .Where(x => x.cmd?.Contains(path, StringComparison.Ordinal) == true)
            .Select(x => $"{x.pid}: {x.cmd}")
            .ToList();
}
