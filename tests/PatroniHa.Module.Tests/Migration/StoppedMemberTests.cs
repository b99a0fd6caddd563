using System.Diagnostics;
using System.Management.Automation;
using PatroniHa.Module.Tests.Failover;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static PatroniHa.Module.Tests.Migration.ReadinessRows;

namespace PatroniHa.Module.Tests.Migration;

/// <summary>
/// A member whose PostgreSQL is stopped (really stopped: a fast shutdown of its postmaster, with the cluster paused
/// so Patroni does not start it again) fails its own Login row and nothing of the other member; a frozen (hung)
/// member does not make the check hang. Own 2-member sandbox, so it also shows a 2-member cluster passing with the
/// replica-count warning first.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class StoppedMemberTests(ITestOutputHelper output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    [Fact]
    public async Task A_stopped_PostgreSQL_fails_only_its_members_login()
    {
        using var cluster = new FailoverSandbox("migrate", nodes: 2);
        using var ps = new PowerShellSession();
        const string check = "Test-PatroniMigration -ApiEndpoint $endpoints -Credential $cred -TimeoutSec 10";

        // Healthy first: two members pass, with the warnings that the guide recommends two replicas and that
        // Patroni's check_timeline is off (its default).
        PSObject healthy = WaitFor(() => ps.Ok(check, cluster.Variables()).Single(), r => Passed(r), "a passing check", 60);
        Assert.Equal(["Replicas", "CheckTimeline"], Of(healthy).Where(r => r.Status != "Passed").Select(r => r.Check));
        string leader = Leader(healthy);
        string replica = Members(healthy).Single(m => m != leader);

        await cluster.PatchConfigAsync("""{"pause": true}""");
        try
        {
            int apiPort = MemberPort(cluster.Sandbox, replica, "ApiPort");
            WaitFor(() => Http.GetStringAsync($"http://127.0.0.1:{apiPort}/patroni").Result, body => body.Contains("\"pause\": true"), "paused", 20);
            string dataDir = Path.Combine(cluster.Path, replica, "data");

            // Hung, not dead: the replica's Patroni and postmaster frozen (SIGSTOP) accept TCP connections and never
            // answer. The check still comes back, with that member's REST API and login failed as "no answer".
            int[] frozen = [PostmasterPid(dataDir), .. ProcessesWith(Path.Combine(cluster.Path, replica, "patroni.yml"))];
            Signal("-STOP", frozen);
            try
            {
                List<Row> hung = Of(ps.Ok(check.Replace("-TimeoutSec 10", "-TimeoutSec 3"), cluster.Variables()).Single());
                hung.ForEach(r => output.WriteLine("hung: " + r));
                Assert.Equal([("RestApi", replica), ("Login", replica)],
                    hung.Where(r => r.Status == "Failed").Select(r => (r.Check, r.Member)));
                Assert.Contains("no answer", hung.Single(r => r.Check == "Login" && r.Member == replica).Detail);
                Assert.Contains("did not answer", hung.Single(r => r.Check == "RestApi" && r.Member == replica).Detail);
            }
            finally
            {
                Signal("-CONT", frozen);
            }

            StopPostgres(dataDir);

            PSObject result = ps.Ok(check, cluster.Variables()).Single();
            List<Row> rows = Of(result);
            rows.ForEach(r => output.WriteLine(r.ToString()));

            Assert.False(Passed(result));
            Row login = rows.Single(r => r.Check == "Login" && r.Member == replica);
            Assert.Equal("Failed", login.Status);
            Assert.Contains("connection refused", login.Detail);
            Assert.Equal([("Login", replica)], rows.Where(r => r.Status == "Failed").Select(r => (r.Check, r.Member)));
            Assert.All(rows.Where(r => r.Member == leader), r => Assert.Equal("Passed", r.Status));
            Assert.Equal("Passed", rows.Single(r => r.Check == "RestApi" && r.Member == replica).Status);
        }
        finally
        {
            await cluster.PatchConfigAsync("""{"pause": false}""");
        }
    }

    /// <summary>A fast shutdown (what pg_ctl stop -m fast sends: SIGINT to the postmaster), then waits until it is gone.</summary>
    private void StopPostgres(string dataDir)
    {
        int pid = PostmasterPid(dataDir);
        Signal("-INT", [pid]);
        WaitFor(() => File.Exists(Path.Combine(dataDir, "postmaster.pid")), exists => !exists, "PostgreSQL stopped", 30);
        output.WriteLine($"stopped postmaster {pid} of {dataDir}");
    }

    private static int PostmasterPid(string dataDir) =>
        int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First());

    /// <summary>The processes whose command line names <paramref name="argument"/> (a member's patroni.yml): its Patroni.</summary>
    private static int[] ProcessesWith(string argument)
    {
        int[] pids = Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out int p) ? p : 0, Dir: d))
            .Where(x => x.Pid > 0 && ReadCommandLine(x.Dir).Split('\0').Contains(argument))
            .Select(x => x.Pid).ToArray();
        Assert.NotEmpty(pids);
        return pids;
    }

    private static string ReadCommandLine(string procDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDir, "cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void Signal(string signal, int[] pids)
    {
        using Process kill = Process.Start("kill", [signal, .. pids.Select(p => p.ToString())]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static int MemberPort(PSObject sandbox, string member, string property) =>
        ((object[])sandbox.Properties["Members"].Value).Select(PSObject.AsPSObject)
            .Where(m => (string)m.Properties["Name"].Value == member)
            .Select(m => (int)m.Properties[property].Value).Single();

    private static T WaitFor<T>(Func<T> read, Func<T, bool> done, string what, int seconds)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            T value;
            try
            {
                value = read();
            }
            catch (Exception) when (sw.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                Thread.Sleep(250);
                continue;
            }
            if (done(value))
                return value;
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"Not {what} after {seconds} s: {value}");
            Thread.Sleep(250);
        }
    }
}
