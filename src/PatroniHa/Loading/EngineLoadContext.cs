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

    private bool FrameworkShipsAtLeast(AssemblyName wanted)
    {
        string path = Path.Combine(_frameworkDir, wanted.Name + ".dll");
        if (!File.Exists(path))
            return false;
        try
        {
            Version? shipped = AssemblyName.GetAssemblyName(path).Version;
            return shipped is not null && (wanted.Version is null || shipped >= wanted.Version);
        }
        catch (BadImageFormatException)
        {
            return false; // not a managed assembly: ours is the one to use
        }
    }
}
