using System.Management.Automation;
using System.Runtime.Loader;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Module;

public class ModuleLoadingTests
{
    private static readonly string[] ExpectedCommands =
    [
        "Connect-PatroniCluster", "Disconnect-PatroniCluster", "Get-PatroniSession", "Get-PatroniTopology",
        "Invoke-PatroniQuery", "Get-PatroniHealth", "Start-PatroniSandbox", "Stop-PatroniSandbox",
        "Switch-PatroniMode", "Test-PatroniFailover", "Invoke-PatroniSwitchover", "Invoke-PatroniFailover",
        "Measure-PatroniWorkload", "Test-PatroniMigration", "Get-PatroniReadStatistics",
        "Get-PatroniHistory", "Get-PatroniConfiguration", "Set-PatroniConfiguration", "Suspend-PatroniCluster",
        "Resume-PatroniCluster", "Restart-PatroniMember", "Clear-PatroniScheduledRestart",
        "Clear-PatroniScheduledSwitchover", "Invoke-PatroniReload", "Invoke-PatroniReinitialize",
        "Wait-PatroniCluster", "Restart-PatroniCluster",
    ];

    [Fact]
    public void Manifest_passes_Test_ModuleManifest_and_declares_the_contract()
    {
        using var ps = new PowerShellSession();
        PSObject info = ps.Ok("Test-ModuleManifest -Path $path", new Dictionary<string, object?> { ["path"] = ModulePaths.ModuleManifest }).Single();
        Assert.Equal("PatroniHa", info.Properties["Name"].Value);
        Assert.Equal(new Version(7, 4), info.Properties["PowerShellVersion"].Value);
        var editions = ((IEnumerable<string>)info.Properties["CompatiblePSEditions"].Value).ToList();
        Assert.Equal(["Core"], editions);
    }

    [Fact]
    public void Module_exports_exactly_its_cmdlets()
    {
        using var ps = new PowerShellSession();
        var names = ps.Ok("Get-Command -Module PatroniHa | ForEach-Object Name").Select(o => o.BaseObject.ToString()).ToList();
        Assert.Equal(ExpectedCommands.Order(), names.Order());
    }

    [Fact]
    public void Engine_and_its_Npgsql_load_in_their_own_context_beside_another_Npgsql()
    {
        // "Another module" loaded Npgsql 8 and an older Polly.Core into the default context first.
        Version otherNpgsql = typeof(Npgsql.NpgsqlConnection).Assembly.GetName().Version!;
        string otherPolly = FileVersion(typeof(Polly.ResiliencePipeline).Assembly);
        Assert.Equal(8, otherNpgsql.Major);
        Assert.StartsWith("8.1.", otherPolly);

        using var ps = new PowerShellSession();
        // Forces the engine (and with it Npgsql and Polly) to load: an unreachable single server.
        ScriptResult result = ps.Run("Connect-PatroniCluster -SingleNode -HostName 127.0.0.1 -Port 1 -Credential $c",
            new Dictionary<string, object?> { ["c"] = TestCredentials.Create("nobody", "irrelevant") });
        Assert.NotNull(result.FirstError);
        Assert.Equal("PatroniDatabaseOperationFailed", result.FirstError!.FullyQualifiedErrorId.Split(',')[0]);

        AssemblyLoadContext engineContext = AssemblyLoadContext.All.Single(c => c.Name == "PatroniHa.Engine");
        var engineNpgsql = engineContext.Assemblies.Single(a => a.GetName().Name == "Npgsql");
        var enginePolly = engineContext.Assemblies.Single(a => a.GetName().Name == "Polly.Core");
        Assert.Equal(10, engineNpgsql.GetName().Version!.Major);
        Assert.StartsWith("8.9.", FileVersion(enginePolly));
        Assert.NotSame(typeof(Polly.ResiliencePipeline).Assembly, enginePolly);
        Assert.Contains(engineContext.Assemblies, a => a.GetName().Name == "PatroniHa.Engine");
        Assert.Same(typeof(Npgsql.NpgsqlConnection).Assembly,
            AssemblyLoadContext.Default.Assemblies.Single(a => a.GetName().Name == "Npgsql"));
    }

    // Polly keeps its assembly version at 8.0.0.0; the file version tells releases apart.
    private static string FileVersion(System.Reflection.Assembly a) =>
        System.Diagnostics.FileVersionInfo.GetVersionInfo(a.Location).FileVersion!;
}
