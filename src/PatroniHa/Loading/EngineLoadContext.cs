using System.Reflection;
using System.Runtime.Loader;

namespace PatroniHa.Loading;

/// <summary>
/// Loads the engine and its third-party assemblies (Npgsql, Polly, YamlDotNet …) from the module's
/// Dependencies/ folder, so another module's Npgsql or Polly in the same process cannot clash with ours.
/// Assemblies the .NET runtime itself ships at the same or a newer version are left to the default
/// context so framework types unify. Everything else in Dependencies/ is always ours: assembly versions of
/// third-party packages cannot be trusted for this (Polly.Core 8.1 and 8.9 both say 8.0.0.0).
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDir;
    private readonly string _frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    public EngineLoadContext(string dependencyDir)
        : base("PatroniHa.Engine", isCollectible: false)
    {
        _dependencyDir = dependencyDir;
    }

    protected override Assembly? Load(AssemblyName name)
    {
        string candidate = Path.Combine(_dependencyDir, name.Name + ".dll");
        if (!File.Exists(candidate))
            return null;
        if (FrameworkShipsAtLeast(name))
            return null;
        return LoadFromAssemblyPath(candidate);
    }

    internal const string EngineAssemblyName = "PatroniHa.Engine";

    private bool FrameworkShipsAtLeast(AssemblyName wanted) =>
        !LoadsOwnCopy(wanted, name => FrameworkVersion(_frameworkDir, name));

    /// <summary>
    /// The decision, apart from the disk so it can be checked against another runtime's framework list: our copy
    /// unless the runtime ships <paramref name="wanted"/> at the same or a newer version. On .NET 8 (PowerShell
    /// 7.4) that loads our System.Diagnostics.DiagnosticSource 9.0 here; on .NET 9+ the runtime's copy is used.
    /// </summary>
    internal static bool LoadsOwnCopy(AssemblyName wanted, Func<string, Version?> frameworkVersion)
    {
        Version? shipped = frameworkVersion(wanted.Name!);
        return shipped is null || (wanted.Version is not null && shipped < wanted.Version);
    }

    private static Version? FrameworkVersion(string frameworkDir, string name)
    {
        string path = Path.Combine(frameworkDir, name + ".dll");
        if (!File.Exists(path))
            return null;
        try
        {
            return AssemblyName.GetAssemblyName(path).Version;
        }
        catch (BadImageFormatException)
        {
            return null; // not a managed assembly: ours is the one to use
        }
    }
}
