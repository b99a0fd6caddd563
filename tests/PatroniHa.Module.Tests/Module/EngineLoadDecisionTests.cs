using System.Reflection;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Module;

/// <summary>
/// Which bundled assembly the engine gets, ours (Dependencies/) or the runtime's, decided for .NET 8 — the runtime
/// of PowerShell 7.4, the oldest the module supports, which cannot be installed here — and for this runtime.
/// </summary>
public class EngineLoadDecisionTests
{
    // Assembly versions that Microsoft.NETCore.App 8.0 ships, for the assemblies a module like this one bundles.
    private static readonly Dictionary<string, Version> Net8Framework = new()
    {
        ["System.Diagnostics.DiagnosticSource"] = new(8, 0, 0, 0),
        ["System.Text.Json"] = new(8, 0, 0, 0),
        ["System.Collections.Immutable"] = new(8, 0, 0, 0),
        ["System.Threading.Channels"] = new(8, 0, 0, 0),
        ["System.Memory"] = new(8, 0, 0, 0),
    };

    private static readonly string DependencyDir = Path.Combine(ModulePaths.RepositoryRoot, "out", "PatroniHa", "Dependencies");

    // EngineLoadContext.LoadsOwnCopy from the built module (the same file Import-Module loads).
    private static readonly Func<AssemblyName, Func<string, Version?>, bool> LoadsOwnCopy =
        Assembly.LoadFrom(Path.Combine(ModulePaths.RepositoryRoot, "out", "PatroniHa", "PatroniHa.dll"))
            .GetType("PatroniHa.Loading.EngineLoadContext", throwOnError: true)!
            .GetMethod("LoadsOwnCopy", BindingFlags.NonPublic | BindingFlags.Static)!
            .CreateDelegate<Func<AssemblyName, Func<string, Version?>, bool>>();

    private static AssemblyName Bundled(string name) => AssemblyName.GetAssemblyName(Path.Combine(DependencyDir, name + ".dll"));

    [Fact]
    public void On_NET_8_every_bundled_assembly_loads_in_the_modules_own_context()
    {
        string[] bundled = Directory.GetFiles(DependencyDir, "*.dll").Select(Path.GetFileNameWithoutExtension).ToArray()!;
        // The case that differs from .NET 10: Npgsql 10 needs a newer DiagnosticSource than .NET 8 ships.
        Assert.Contains("System.Diagnostics.DiagnosticSource", bundled);
        Assert.True(Bundled("System.Diagnostics.DiagnosticSource").Version > Net8Framework["System.Diagnostics.DiagnosticSource"]);
        foreach (string name in bundled)
            Assert.True(LoadsOwnCopy(Bundled(name), n => Net8Framework.GetValueOrDefault(n)), $"{name} should load from Dependencies/ on .NET 8");
    }

    [Fact]
    public void On_this_runtime_a_framework_assembly_at_least_as_new_is_the_runtimes()
    {
        string frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        Version? Shipped(string n) =>
            File.Exists(Path.Combine(frameworkDir, n + ".dll")) ? AssemblyName.GetAssemblyName(Path.Combine(frameworkDir, n + ".dll")).Version : null;

        AssemblyName diagnosticSource = Bundled("System.Diagnostics.DiagnosticSource");
        Assert.Equal(Shipped(diagnosticSource.Name!) < diagnosticSource.Version, LoadsOwnCopy(diagnosticSource, Shipped));
        Assert.False(LoadsOwnCopy(diagnosticSource, _ => new Version(diagnosticSource.Version!.Major, 0, 0, 0)));
        Assert.True(LoadsOwnCopy(Bundled("Npgsql"), Shipped)); // never in the framework
    }
}
