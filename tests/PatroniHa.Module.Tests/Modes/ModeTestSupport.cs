using PatroniHa.Module.Tests.Infrastructure;

namespace PatroniHa.Module.Tests.Modes;

/// <summary>Small helpers the mode, configuration and database tests share.</summary>
internal static class ModeTestSupport
{
    /// <summary>"127.0.0.1:5433" → 5433.</summary>
    public static int PortOf(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..]);

    public static string Primary(PowerShellSession ps, string session = "") =>
        (string)ps.Ok($"(Get-PatroniSession {(session.Length > 0 ? "-Name " + session : "-Default")}).Primary").Single().BaseObject;

    public static int[] PgPorts(SandboxFixture cluster) => OwnedSandbox.MemberPorts(cluster.Sandbox, "PgPort");

    public static int[] ApiPorts(SandboxFixture cluster) => OwnedSandbox.MemberPorts(cluster.Sandbox, "ApiPort");

    public static string User(SandboxFixture cluster) => cluster.Credential.UserName;

    /// <summary>Waits until <paramref name="condition"/> holds (replication, backends exiting …).</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
                return true;
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(200);
        }
    }
}

/// <summary>A folder for .env / YAML files, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "patroniha-modes-" + Guid.NewGuid().ToString("N")[..8]);

    public string Write(string name, string text)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Sets process environment variables for one test and restores them. Tests that touch the environment
/// share one lock (they all live in the shared sandbox collection, which xunit runs one test at a time).
/// </summary>
internal sealed class EnvironmentScope : IDisposable
{
    private static readonly object Gate = new();
    private readonly Dictionary<string, string?> _saved = new();

    public EnvironmentScope(IDictionary<string, string?> variables)
    {
        Monitor.Enter(Gate);
        foreach (var (name, value) in variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
            Environment.SetEnvironmentVariable(name, value);
        Monitor.Exit(Gate);
    }
}
