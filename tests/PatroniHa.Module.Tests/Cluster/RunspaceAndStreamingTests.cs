using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Cluster;

[Collection(SandboxCollection.Name)]
public class RunspaceAndStreamingTests(SandboxFixture cluster)
{
    [Fact]
    public void Two_runspaces_in_one_process_never_share_a_default_session()
    {
        using var first = cluster.Connect("-Name first");
        using var second = new PowerShellSession();
        ScriptResult none = second.Run("Get-PatroniTopology");
        Assert.StartsWith("PatroniNotConnected,", none.FirstError!.FullyQualifiedErrorId);

        second.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name second", cluster.Variables());
        Assert.Equal("first", first.Ok("(Get-PatroniSession -Default).Name").Single().BaseObject);
        Assert.Equal("second", second.Ok("(Get-PatroniSession -Default).Name").Single().BaseObject);
        Assert.Single(first.Ok("Get-PatroniSession"));
        Assert.Empty(second.Run("Get-PatroniSession -Name first").Output);
    }

    [Fact]
    public void Sessions_are_chosen_by_name_or_object_and_disconnect_ends_them()
    {
        using var ps = cluster.Connect("-Name one");
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name two -Database template1", cluster.Variables());
        Assert.Equal("one", ps.Ok("(Get-PatroniSession -Default).Name").Single().BaseObject);
        Assert.Equal("template1", ps.Ok("Invoke-PatroniQuery 'SELECT current_database()' -As Scalar -Session two").Single().BaseObject);
        Assert.Equal("postgres", ps.Ok("Invoke-PatroniQuery 'SELECT current_database()' -As Scalar -Session (Get-PatroniSession one)").Single().BaseObject);

        ps.Ok("Disconnect-PatroniCluster -Session one");
        ScriptResult after = ps.Run("Get-PatroniTopology");
        Assert.StartsWith("PatroniNotConnected,", after.FirstError!.FullyQualifiedErrorId);
        Assert.Equal("two", ps.Ok("(Get-PatroniSession).Name").Single().BaseObject);
    }

    [Fact]
    public void Rows_stream_as_they_are_read_and_stopping_cancels_the_query()
    {
        using var ps = cluster.Connect();
        using var shell = PowerShell.Create();
        shell.Runspace = ps.Runspace;
        // Rows 1 and 2 at once, row 3 only after a long sleep on the server. The rows are padded past the
        // server's 8 kB send buffer, which PostgreSQL otherwise flushes only when the statement ends (the
        // tail of row 2 may still wait in that buffer, so row 1 is what must arrive).
        shell.AddScript("Invoke-PatroniQuery \"SELECT g, repeat('x', 65536) AS pad, CASE WHEN g = 3 THEN pg_sleep(120)::text END AS slow, 'streaming-probe' AS tag FROM generate_series(1, 3) g\" -TimeoutSec 0");
        var output = new PSDataCollection<PSObject>();
        var firstRow = new ManualResetEventSlim();
        output.DataAdded += (_, _) => firstRow.Set();
        IAsyncResult running = shell.BeginInvoke<PSObject, PSObject>(null, output);
        Assert.True(firstRow.Wait(TimeSpan.FromSeconds(60)), "no row reached the pipeline while the statement ran");
        Assert.False(running.IsCompleted);

        shell.Stop();
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.InRange(output.Count, 1, 2);
        Assert.Equal(1, output[0].Properties["g"].Value);

        // The server side is cancelled too (Npgsql sends a cancel request).
        long stillRunning = -1;
        for (int i = 0; i < 100 && stillRunning != 0; i++)
        {
            stillRunning = (long)ps.Ok("Invoke-PatroniQuery \"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%streaming-probe%' AND state = 'active' AND pid <> pg_backend_pid()\" -As Scalar").Single().BaseObject;
            if (stillRunning != 0)
                Thread.Sleep(100);
        }
        Assert.Equal(0, stillRunning);
    }

    [Fact]
    public void Stopping_a_scalar_call_while_it_waits_on_the_server_cancels_it_there()
    {
        // The first attempt blocks on the socket on the pipeline thread: Ctrl+C must still reach the server.
        using var ps = cluster.Connect();
        using var observer = cluster.Connect();
        using var shell = PowerShell.Create();
        shell.Runspace = ps.Runspace;
        shell.AddScript("Invoke-PatroniQuery \"SELECT pg_sleep(120)::text || 'scalar-stop-probe'\" -As Scalar -TimeoutSec 0");
        IAsyncResult running = shell.BeginInvoke();
        Assert.True(WaitForActive(observer, "scalar-stop-probe", expected: 1), "the statement never reached the server");
        Assert.False(running.IsCompleted);

        shell.Stop();
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.True(WaitForActive(observer, "scalar-stop-probe", expected: 0), "the server still runs the stopped statement");

        // The session works on afterwards (the connection went back to the pool in a usable state).
        Assert.Equal(7, ps.Ok("Invoke-PatroniQuery 'SELECT 7' -As Scalar").Single().BaseObject);
    }

    [Fact]
    public void A_failing_downstream_command_stops_the_statement_after_the_rows_it_took()
    {
        // Rows are written on the pipeline thread while the statement runs: the downstream failure (as
        // Select-Object -First's stop) must end the statement on the server, not read it to its last row. Each
        // row the server produces takes a number from a sequence (not rolled back), so the sequence tells how far
        // the server got: a few thousand rows fill the socket buffers, all 200,000 mean it was never stopped.
        using var ps = cluster.Connect();
        string sequence = $"downstream_stop_{Guid.NewGuid():N}";
        ps.Ok($"Invoke-PatroniQuery 'CREATE SEQUENCE {sequence}'");
        var seen = new List<object>();
        ScriptResult result = ps.Run(
            $"Invoke-PatroniQuery \"SELECT g, repeat('x', 1000) AS pad, nextval('{sequence}') AS n FROM generate_series(1, 200000) g\" -TimeoutSec 0 | " +
            "& { process { $seen.Add($_.g); throw 'downstream stopped here' } }",
            new Dictionary<string, object?> { ["seen"] = seen });
        Assert.Equal("downstream stopped here", result.Terminating?.Message);
        Assert.Equal(new object[] { 1 }, seen);
        long produced = (long)ps.Ok($"Invoke-PatroniQuery 'SELECT last_value FROM {sequence}' -As Scalar").Single().BaseObject;
        Assert.True(produced < 100_000, $"the server produced {produced} of 200,000 rows: the statement was not stopped");
        Assert.Equal(7, ps.Ok("Invoke-PatroniQuery 'SELECT 7' -As Scalar").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP SEQUENCE {sequence}'");
    }

    [Fact]
    public void A_downstream_stop_on_a_write_that_returns_rows_stops_the_rows_never_the_write()
    {
        // Cancelled after its first row was shown, the write would roll back: the user would see an inserted row
        // of an insert that never happened. (Select-Object -First stops the same way; the Pester suite runs that
        // in real pwsh, this in-process host has no Microsoft.PowerShell.Utility.)
        using var ps = cluster.Connect();
        string table = $"stopped_write_{Guid.NewGuid():N}";
        ps.Ok($"Invoke-PatroniQuery 'CREATE TABLE {table} (id int)'");
        var seen = new List<object>();
        var variables = new Dictionary<string, object?> { ["seen"] = seen };
        const string stop = "| & { process { $seen.Add($_.id); throw 'downstream stopped here' } }";
        ScriptResult shown = ps.Run(
            $"Invoke-PatroniQuery \"INSERT INTO {table} SELECT g FROM generate_series(1, 20000) g RETURNING id, repeat('x', 1000) AS pad\" {stop}", variables);
        Assert.Equal("downstream stopped here", shown.Terminating?.Message);
        Assert.Equal(new object[] { 1 }, seen);
        Assert.Equal(20000L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {table}' -As Scalar").Single().BaseObject);

        // Run on to its end, a write that then fails (its second statement: the whole text rolls back) still says
        // so: a non-terminating error with its own ErrorId, then the downstream stop goes on.
        ScriptResult failed = ps.Run(
            $"Invoke-PatroniQuery \"INSERT INTO {table} SELECT g FROM generate_series(20001, 40000) g RETURNING id, repeat('x', 1000) AS pad; SELECT 1 / 0\" {stop}", variables);
        Assert.Equal("downstream stopped here", failed.Terminating?.Message);
        ErrorRecord after = Assert.Single(failed.Errors);
        Assert.StartsWith("PatroniQueryFailed,", after.FullyQualifiedErrorId);
        Assert.Contains("22012", after.Exception.Message);
        Assert.Contains("stopped taking rows", after.ErrorDetails.Message);
        Assert.Equal(20000L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {table}' -As Scalar").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP TABLE {table}'");
    }

    [Fact]
    public void The_per_call_verbose_message_follows_the_verbose_preference()
    {
        using var ps = cluster.Connect();
        ScriptResult quiet = ps.Run("Invoke-PatroniQuery 'SELECT 1' -As Scalar");
        ScriptResult asked = ps.Run("Invoke-PatroniQuery 'SELECT 1' -As Scalar -Verbose");
        ScriptResult byPreference = ps.Run("$VerbosePreference = 'Continue'; Invoke-PatroniQuery 'SELECT 1' -As Scalar");
        ScriptResult overridden = ps.Run("$VerbosePreference = 'Continue'; Invoke-PatroniQuery 'SELECT 1' -As Scalar -Verbose:$false");

        Assert.DoesNotContain(quiet.Verbose, m => m.StartsWith("Ran on ", StringComparison.Ordinal));
        Assert.Contains(asked.Verbose, m => m.StartsWith("Ran on ", StringComparison.Ordinal) && m.Contains("after 1 attempt(s)"));
        Assert.Contains(byPreference.Verbose, m => m.StartsWith("Ran on ", StringComparison.Ordinal));
        Assert.DoesNotContain(overridden.Verbose, m => m.StartsWith("Ran on ", StringComparison.Ordinal));
    }

    /// <summary>Polls (≤ 10 s) until <paramref name="expected"/> statements tagged <paramref name="tag"/> are active on the leader.</summary>
    private static bool WaitForActive(PowerShellSession ps, string tag, long expected)
    {
        for (int i = 0; i < 100; i++)
        {
            long active = (long)ps.Ok($"Invoke-PatroniQuery \"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%{tag}%' AND state = 'active' AND pid <> pg_backend_pid()\" -As Scalar").Single().BaseObject;
            if (active == expected)
                return true;
            Thread.Sleep(100);
        }
        return false;
    }
}
