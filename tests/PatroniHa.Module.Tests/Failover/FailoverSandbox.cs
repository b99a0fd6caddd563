using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Failover;

/// <summary>
/// A 3-node sandbox of the failover tests' own (never the shared one: these tests move the leader), started
/// through Start-PatroniSandbox in a runspace kept for it, and helpers to look at and poke the cluster.
/// </summary>
public sealed class FailoverSandbox : IDisposable
{
    private readonly OwnedSandbox _sandbox;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public FailoverSandbox() : this("drill")
    {
    }

    internal FailoverSandbox(string name, bool synchronous = false, int nodes = 3)
    {
        _sandbox = new OwnedSandbox($"Start-PatroniSandbox -Nodes {nodes} -Name {name}{(synchronous ? " -SynchronousMode" : "")}");
    }

    public PSObject Sandbox => _sandbox.Info;
    public string[] ApiEndpoints => _sandbox.ApiEndpoints;
    public PSCredential Credential => _sandbox.Credential;
    public string Path => _sandbox.Path;

    public PowerShellSession Connect()
    {
        var ps = new PowerShellSession();
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred", Variables());
        return ps;
    }

    public Dictionary<string, object?> Variables() => new()
    {
        ["endpoints"] = ApiEndpoints,
        ["cred"] = Credential,
        ["sandbox"] = Sandbox,
    };

    /// <summary>PATCH /config (pause, resume …) on the first endpoint that answers.</summary>
    public async Task PatchConfigAsync(string json)
    {
        Exception? last = null;
        foreach (string e in ApiEndpoints)
        {
            try
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await Http.PatchAsync(new Uri(new Uri(e), "config"), content);
                response.EnsureSuccessStatusCode();
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex;
            }
        }
        throw new InvalidOperationException("No endpoint took PATCH /config", last);
    }

    /// <summary>DELETE /switchover: cancels a scheduled switchover.</summary>
    public async Task DeleteScheduledSwitchoverAsync()
    {
        foreach (string e in ApiEndpoints)
        {
            try
            {
                using var response = await Http.DeleteAsync(new Uri(new Uri(e), "switchover"));
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
        }
    }

    /// <summary>GET /cluster as text from the first endpoint that answers.</summary>
    public async Task<string> ClusterJsonAsync()
    {
        foreach (string e in ApiEndpoints)
        {
            try
            {
                return await Http.GetStringAsync(new Uri(new Uri(e), "cluster"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
        }
        throw new InvalidOperationException("No endpoint answered GET /cluster");
    }

    /// <summary>Waits until Test-PatroniFailover passes with <paramref name="candidates"/> eligible replicas (1 in synchronous mode).</summary>
    public void WaitHealthy(PowerShellSession ps, TimeSpan? timeout = null, int candidates = 2)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed < (timeout ?? TimeSpan.FromSeconds(90)))
        {
            ScriptResult r = ps.Run("Test-PatroniFailover");
            if (r.FirstError is null && r.Output.Count == 1)
            {
                PSObject o = r.Output[0];
                last = (string)o.Properties["Verdict"].Value;
                if ((bool)o.Properties["Passed"].Value && ((string[])o.Properties["Candidates"].Value).Length == candidates)
                    return;
            }
            else
            {
                last = r.FirstError?.ToString() ?? "no output";
            }
            Thread.Sleep(500);
        }
        throw new TimeoutException("The drill sandbox did not become healthy: " + last);
    }

    public static string Leader(PowerShellSession ps) =>
        (string)ps.Ok("(Get-PatroniTopology -Refresh | Where-Object Role -eq Leader).Name").Single().BaseObject;

    public static List<string> Replicas(PowerShellSession ps) =>
        ps.Ok("(Get-PatroniTopology -Refresh | Where-Object Role -ne Leader).Name").Select(o => (string)o.BaseObject).Order().ToList();

    /// <summary>SIGKILLs a member's Patroni and its PostgreSQL (found by their command lines in /proc).</summary>
    public void KillMember(string member)
    {
        string folder = System.IO.Path.Combine(Path, member);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), out int pid))
                continue;
            string cmd;
            try
            {
                cmd = File.ReadAllText(System.IO.Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (cmd.Contains(folder + "/", StringComparison.Ordinal) || cmd.EndsWith(folder + " ", StringComparison.Ordinal))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
        }
    }

    public void Dispose() => _sandbox.Dispose();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailoverCollection
{
    public const string Name = "Failover drills (own sandboxes)";
}
