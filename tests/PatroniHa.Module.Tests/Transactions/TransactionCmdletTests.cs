using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Transactions;

/// <summary>Invoke-PatroniTransaction through PowerShell: the block's queries join one transaction on the leader.</summary>
[Collection(SandboxCollection.Name)]
public class TransactionCmdletTests(SandboxFixture cluster)
{
    private static string NewTable() => "txc_" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public void A_block_commits_together_and_its_output_comes_after_commit()
    {
        using var ps = cluster.Connect();
        string t = NewTable();
        ps.Ok($"Invoke-PatroniQuery 'CREATE TABLE {t} (id int PRIMARY KEY)' -As NonQuery");
        var output = ps.Ok($$"""
            Invoke-PatroniTransaction {
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (2)' -As NonQuery | Out-Null
                Invoke-PatroniQuery 'SELECT count(*) FROM {{t}}' -ReadOnly -As Scalar
                'done'
            }
            """);
        Assert.Equal([2L, "done"], output.Select(o => o.BaseObject));
        Assert.Equal(2L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP TABLE {t}' -As NonQuery");
    }

    [Fact]
    public void A_block_that_throws_is_rolled_back_and_its_error_rethrown()
    {
        using var ps = cluster.Connect();
        string t = NewTable();
        ps.Ok($"Invoke-PatroniQuery 'CREATE TABLE {t} (id int PRIMARY KEY)' -As NonQuery");
        ScriptResult r = ps.Run($$"""
            Invoke-PatroniTransaction {
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
                'never written'
                throw 'block failed'
            }
            """);
        Assert.Contains("block failed", r.FirstError!.ToString());
        Assert.DoesNotContain(r.Output, o => "never written".Equals(o?.BaseObject));
        Assert.Equal(0L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);

        // A query error inside the block rolls back too, with the query's own error id.
        r = ps.Run($$"""
            Invoke-PatroniTransaction {
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
            }
            """);
        Assert.StartsWith("PatroniQueryFailed,", r.FirstError!.FullyQualifiedErrorId);
        Assert.Equal(0L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);

        // So does a -Statement batch whose later statement fails: the earlier one is not kept, no row is output.
        r = ps.Run($"Invoke-PatroniTransaction -Statement 'INSERT INTO {t} VALUES (7) RETURNING id', 'INSERT INTO {t} VALUES (7)'");
        Assert.StartsWith("PatroniQueryFailed,", r.FirstError!.FullyQualifiedErrorId);
        Assert.Empty(r.Output);
        Assert.Equal(0L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP TABLE {t}' -As NonQuery");
    }

    [Fact]
    public void A_block_on_another_session_than_the_default_holds_its_queries_without_Session()
    {
        // The block's Invoke-PatroniQuery without -Session belongs to the transaction's session: sent to the default
        // one instead it would commit on its own, and the rollback below would leave its row behind.
        using var ps = cluster.Connect();
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name second | Out-Null", cluster.Variables());
        string t = NewTable();
        ps.Ok($"Invoke-PatroniQuery 'CREATE TABLE {t} (id int PRIMARY KEY)' -As NonQuery");
        ScriptResult r = ps.Run($$"""
            Get-PatroniSession -Name second | Invoke-PatroniTransaction {
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
                throw 'block failed'
            }
            """);
        Assert.Contains("block failed", r.FirstError!.ToString());
        Assert.Equal(0L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP TABLE {t}' -As NonQuery");
    }

    [Fact]
    public void Commit_inside_is_refused_and_statement_form_runs_as_one_transaction()
    {
        using var ps = cluster.Connect("-TrackCommitOutcome");
        string t = NewTable();
        ps.Ok($"Invoke-PatroniQuery 'CREATE TABLE {t} (id int PRIMARY KEY)' -As NonQuery");
        ScriptResult r = ps.Run($$"""
            Invoke-PatroniTransaction {
                Invoke-PatroniQuery 'INSERT INTO {{t}} VALUES (1)' -As NonQuery | Out-Null
                Invoke-PatroniQuery 'COMMIT' -As NonQuery
            }
            """);
        Assert.StartsWith("PatroniTransactionControlRefused,", r.FirstError!.FullyQualifiedErrorId);
        Assert.Equal(0L, ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM {t}' -As Scalar").Single().BaseObject);

        var rows = ps.Ok($"Invoke-PatroniTransaction -Statement 'INSERT INTO {t} VALUES (@a)', 'INSERT INTO {t} VALUES (@a + 1)', 'SELECT count(*) AS n FROM {t}' -Parameters @{{ a = 5 }} -IsolationLevel Serializable");
        Assert.Equal(2L, rows.Single().Properties["n"].Value);
        Assert.True((bool)ps.Ok("(Get-PatroniSession -Default).TrackCommitOutcome").Single().BaseObject);
        ps.Ok($"Invoke-PatroniQuery 'DROP TABLE {t}' -As NonQuery");
    }
}
