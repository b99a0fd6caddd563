using System.Collections;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Cluster;

/// <summary>The read routing parameters and Get-PatroniReadStatistics through PowerShell, on the shared sandbox.</summary>
[Collection(SandboxCollection.Name)]
public class ReadRoutingCmdletTests(SandboxFixture cluster)
{
    [Fact]
    public void A_read_your_writes_session_sees_its_insert_and_reports_its_commit_position()
    {
        using var ps = cluster.Connect("-Consistency ReadYourWrites -MaxWaitMs 5000");
        ps.Ok("Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS ryw_cmdlet (id int PRIMARY KEY)' -As NonQuery");
        for (int id = 1; id <= 5; id++)
        {
            ps.Ok($"Invoke-PatroniQuery 'INSERT INTO ryw_cmdlet VALUES ({id}) ON CONFLICT DO NOTHING' -As NonQuery");
            object count = ps.Ok($"Invoke-PatroniQuery 'SELECT count(*) FROM ryw_cmdlet WHERE id = {id}' -ReadOnly -As Scalar").Single().BaseObject;
            Assert.Equal(1L, count);
        }
        string lsn = (string)ps.Ok("(Get-PatroniSession -Default).LastCommitLsn").Single().BaseObject;
        Assert.Matches(@"^[0-9A-F]+/[0-9A-F]+@\d+$", lsn);

        PSObject stats = ps.Ok("Get-PatroniReadStatistics").Single();
        Assert.Equal("ReadYourWrites", stats.Properties["Consistency"].Value);
        Assert.Equal(lsn, stats.Properties["LastCommitLsn"].Value);
        Assert.True((long)stats.Properties["CommitPositions"].Value >= 6);
        var members = ((IEnumerable)stats.Properties["Members"].Value).Cast<object>().Select(PSObject.AsPSObject).ToList();
        Assert.Equal(3, members.Count);
        Assert.Equal(5L, members.Sum(m => (long)m.Properties["Reads"].Value));
    }

    [Fact]
    public void A_position_from_another_session_is_honoured_with_AfterLsn()
    {
        using var ps = cluster.Connect("-Name writer -Consistency ReadYourWrites");
        ps.Ok("Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS ryw_after (id int PRIMARY KEY)' -As NonQuery -Session writer");
        ps.Ok("Invoke-PatroniQuery 'INSERT INTO ryw_after VALUES (1) ON CONFLICT DO NOTHING' -As NonQuery -Session writer");
        ps.Ok("Connect-PatroniCluster -ApiEndpoint $endpoints -Credential $cred -Name reader", cluster.Variables());
        object count = ps.Ok("Invoke-PatroniQuery 'SELECT count(*) FROM ryw_after WHERE id = 1' -ReadOnly -As Scalar -Session reader " +
                             "-AfterLsn (Get-PatroniSession writer).LastCommitLsn -MaxWaitMs 5000").Single().BaseObject;
        Assert.Equal(1L, count);
    }

    [Fact]
    public void Strong_reads_run_on_the_leader_and_tags_must_match()
    {
        using var ps = cluster.Connect();
        PSObject strong = ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS standby' -ReadOnly -Consistency Strong").Single();
        Assert.Equal(false, strong.Properties["standby"].Value);
        // Every sandbox member is tagged datacenter=dc1: a required tag no one has sends the read to the leader.
        PSObject nowhere = ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS standby' -ReadOnly -RequireTag @{ datacenter = 'nowhere' }").Single();
        Assert.Equal(false, nowhere.Properties["standby"].Value);
        PSObject dc1 = ps.Ok("Invoke-PatroniQuery 'SELECT pg_is_in_recovery() AS standby' -ReadOnly -PreferTag @{ datacenter = 'nowhere' }, @{ datacenter = 'dc1' } -ReplicaChoice LowestLatency").Single();
        Assert.Equal(true, dc1.Properties["standby"].Value);
        Hashtable fallbacks = (Hashtable)ps.Ok("(Get-PatroniReadStatistics).LeaderFallbacks").Single().BaseObject;
        Assert.Equal(1L, fallbacks["NoEligibleReplica"]);
    }

    [Fact]
    public void Read_policy_parameters_need_ReadOnly_and_a_valid_position()
    {
        using var ps = cluster.Connect();
        ScriptResult noReadOnly = ps.Run("Invoke-PatroniQuery 'SELECT 1' -Consistency Strong");
        Assert.Equal("PatroniReadPolicyNeedsReadOnly,PatroniHa.Commands.InvokePatroniQueryCommand", noReadOnly.FirstError?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, noReadOnly.FirstError!.CategoryInfo.Category);

        ScriptResult badLsn = ps.Run("Invoke-PatroniQuery 'SELECT 1' -ReadOnly -AfterLsn 'yesterday'");
        Assert.StartsWith("ParameterArgumentValidationError", badLsn.FirstError?.FullyQualifiedErrorId);

        // The usage error comes first, also where there is no session to run it on.
        using var unconnected = new PowerShellSession();
        ScriptResult noSession = unconnected.Run("Invoke-PatroniQuery 'SELECT 1' -MaxLagSec 5");
        Assert.Equal("PatroniReadPolicyNeedsReadOnly,PatroniHa.Commands.InvokePatroniQueryCommand", noSession.FirstError?.FullyQualifiedErrorId);
    }
}
