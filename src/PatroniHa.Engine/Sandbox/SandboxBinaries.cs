using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Sandbox;

/// <summary>Where the etcd, patroni and PostgreSQL programs of a sandbox live.</summary>
public sealed record SandboxBinaries(string Etcd, string Patroni, string PostgresBinDir)
{
    /// <summary>Finds every binary or throws <see cref="PatroniErrorIds.SandboxBinaryMissing"/> naming the
    /// Debian package to install.</summary>
    public static SandboxBinaries Locate(SandboxOptions options)
    {
        var etcd = options.EtcdPath is { } e ? Existing(e) : FindOnPath("etcd");
        if (etcd is null) throw Missing("etcd", options.EtcdPath, "etcd-server");

        var patroni = options.PatroniPath is { } p ? Existing(p) : FindOnPath("patroni");
        if (patroni is null) throw Missing("patroni", options.PatroniPath, "patroni");

        var binDir = options.PostgresBinDir ?? HighestPostgresBinDir();
        if (binDir is null || !File.Exists(System.IO.Path.Combine(binDir, "postgres"))
            || !File.Exists(System.IO.Path.Combine(binDir, "initdb")))
            throw Missing("postgres", binDir, "postgresql");

        return new SandboxBinaries(etcd, patroni, binDir);
    }

    private static string? Existing(string path) => File.Exists(path) ? System.IO.Path.GetFullPath(path) : null;

    private static string? FindOnPath(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin");
        return dirs.Select(d => System.IO.Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    // Debian installs each major version side by side; the newest is what `apt-get install postgresql` pulls.
    private static string? HighestPostgresBinDir()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => (Dir: d, Ok: int.TryParse(System.IO.Path.GetFileName(d), out var v), Version: v))
            .Where(x => x.Ok && File.Exists(System.IO.Path.Combine(x.Dir, "bin", "postgres")))
            .OrderByDescending(x => x.Version)
            .Select(x => System.IO.Path.Combine(x.Dir, "bin"))
            .FirstOrDefault();
    }

    private static PatroniHaException Missing(string binary, string? lookedAt, string package) =>
        new(PatroniErrorIds.SandboxBinaryMissing, FailureKind.NotInstalled,
            $"The sandbox needs '{binary}' but it was not found"
            + (lookedAt is null ? " on PATH or in /usr/bin" : $" at '{lookedAt}'")
            + $". Install the Debian package '{package}': sudo apt-get install -y {package}",
            binary);
}
