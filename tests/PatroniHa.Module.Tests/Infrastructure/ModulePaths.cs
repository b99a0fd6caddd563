namespace PatroniHa.Module.Tests.Infrastructure;

/// <summary>Where the built module and the repository's files are.</summary>
public static class ModulePaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ModuleManifest => Path.Combine(RepositoryRoot, "out", "PatroniHa", "PatroniHa.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PatroniHaModule.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find PatroniHaModule.sln above " + AppContext.BaseDirectory);
    }
}
