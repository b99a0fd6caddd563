using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;
using static PatroniHa.Module.Tests.Modes.ModeTestSupport;

namespace PatroniHa.Module.Tests.Modes;

/// <summary>The seed's two databases through one session: -Database routes within the same topology.</summary>
[Collection(SandboxCollection.Name)]
public class DatabaseRoutingTests(SandboxFixture cluster)
{
    private const string SecondDatabase = "modes_second";

    [Fact]
    public void Database_routes_writes_to_the_leader_and_reads_to_a_replica_with_pools_per_member_and_database()
    {
        using var ps = cluster.Connect("-Name dual");
        if (!ps.Ok($"Invoke-PatroniQuery 'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ''{SecondDatabase}'')' -As Scalar")
                .Single().BaseObject.Equals(true))
            ps.Ok($"Invoke-PatroniQuery 'CREATE DATABASE {SecondDatabase}' -As NonQuery");
        ps.Ok($"Invoke-PatroniQuery -Database {SecondDatabase} 'CREATE TABLE IF NOT EXISTS shared_notes (id text PRIMARY KEY, note text)' -As NonQuery");

        string id = Guid.NewGuid().ToString("N");
        var vars = new Dictionary<string, object?> { ["id"] = id };
        PSObject written = ps.Ok($"Invoke-PatroniQuery -Database {SecondDatabase} 'INSERT INTO shared_notes VALUES (@id, ''hello'') RETURNING current_database() AS db, pg_is_in_recovery() AS standby, inet_server_port() AS port' -Parameters @{{ id = $id }}",
            vars).Single();
        Assert.Equal(SecondDatabase, written.Properties["db"].Value);
        Assert.Equal(false, written.Properties["standby"].Value);
        Assert.Equal(PortOf(Primary(ps, "dual")), written.Properties["port"].Value);

        // Read it back from a replica of the same topology. Replication is asynchronous: until the replica has
        // replayed CREATE DATABASE it answers 3D000, and until it has the row, no row.
        PSObject? read = null;
        Assert.True(Eventually(() =>
        {
            ScriptResult attempt = ps.Run($"Invoke-PatroniQuery -Database {SecondDatabase} -ReadOnly 'SELECT note, current_database() AS db, pg_is_in_recovery() AS standby, inet_server_port() AS port FROM shared_notes WHERE id = @id' -Parameters @{{ id = $id }}",
                vars);
            if (attempt.FirstError is { } error)
            {
                Assert.Contains("3D000", error.Exception.Message);
                return false;
            }
            read = attempt.Output.SingleOrDefault();
            return read is not null;
        }, TimeSpan.FromSeconds(10)), "the database and the row should reach a replica");
        Assert.Equal("hello", read!.Properties["note"].Value);
        Assert.Equal(SecondDatabase, read.Properties["db"].Value);
        Assert.Equal(true, read.Properties["standby"].Value);

        // The session's own database is untouched by -Database.
        Assert.Equal("postgres", ps.Ok("Invoke-PatroniQuery 'SELECT current_database()' -As Scalar").Single().BaseObject);
        Assert.Equal("postgres", ps.Ok("Invoke-PatroniQuery 'SELECT current_database()' -ReadOnly -As Scalar").Single().BaseObject);

        // Pools per (member, database): the leader now holds pooled connections of this client to both databases.
        long leaderPools = (long)ps.Ok("Invoke-PatroniQuery 'SELECT count(DISTINCT datname) FROM pg_stat_activity WHERE application_name = ''PatroniHa'' AND datname IN (''postgres'', @db) AND client_port IS NOT NULL' -Parameters @{ db = $db } -As Scalar",
            new Dictionary<string, object?> { ["db"] = SecondDatabase }).Single().BaseObject;
        Assert.Equal(2L, leaderPools);

        // The same call works in single-node mode.
        int leaderPort = PortOf(Primary(ps, "dual"));
        ps.Ok($"Switch-PatroniMode SingleNode -HostName 127.0.0.1 -Port {leaderPort} -Confirm:$false");
        Assert.Equal("hello", ps.Ok($"Invoke-PatroniQuery -Database {SecondDatabase} -ReadOnly 'SELECT note FROM shared_notes WHERE id = @id' -Parameters @{{ id = $id }} -As Scalar",
            vars).Single().BaseObject);
    }

    [Fact]
    public void An_unknown_database_is_a_clear_error_and_the_session_keeps_working()
    {
        using var ps = cluster.Connect();
        ScriptResult result = ps.Run("Invoke-PatroniQuery -Database no_such_database_here 'SELECT 1'");
        Assert.NotNull(result.FirstError);
        Assert.Contains("no_such_database_here", result.FirstError!.Exception.Message);
        Assert.Equal(1, ps.Ok("Invoke-PatroniQuery 'SELECT 1' -As Scalar").Single().BaseObject);
    }
}
