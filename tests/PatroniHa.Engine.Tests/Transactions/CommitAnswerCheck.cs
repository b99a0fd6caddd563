using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>What the fault tests of commit outcomes share: the session's default options on a sandbox, the
/// module's answer to a write, the cluster settling, and the answer checked against the final leader.</summary>
internal static class CommitAnswerCheck
{
    /// <summary>The session's defaults (30 s health-check interval) on <paramref name="cluster"/>.</summary>
    public static ClusterOptions SessionOptions(SandboxCluster cluster) => new()
    {
        Api = new PatroniApiOptions { Endpoints = cluster.ApiEndpoints.Select(u => u.ToString()).ToList() },
        Credential = cluster.Superuser,
    };

    /// <summary>"committed" (with the attempts), "not committed", or the error id (e.g. outcome unknown).</summary>
    public static async Task<(string Answer, int Attempts)> AnswerOfAsync(Task<QueryResult> write, Action<string> log)
    {
        try
        {
            QueryResult r = await write;
            return ("committed", r.Attempts);
        }
        catch (PatroniHaException e) when (e.ErrorId is PatroniErrorIds.NotCommitted or PatroniErrorIds.QueryFailed)
        {
            log(e.Message);
            return ("not committed", 0);
        }
        catch (PatroniHaException e)
        {
            log(e.Message);
            return (e.ErrorId, 0);
        }
    }

    /// <summary>Every member back and running, one leader: a killed member comes back (rewound).</summary>
    public static async Task RejoinAsync(SandboxCluster cluster)
    {
        foreach (SandboxMember m in cluster.Members.Where(m => m.PatroniPid is null))
            await m.StartAsync();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>The ground truth: how often row <paramref name="id"/> is in <paramref name="table"/> on the leader of a settled cluster.</summary>
    public static async Task<long> RowsOnLeaderAsync(SandboxCluster cluster, string table, int id)
    {
        string leader = await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
        return await SandboxTestSupport.ScalarAsync<long>(cluster, cluster[leader], $"SELECT count(*) FROM {table} WHERE id = {id}");
    }

    /// <summary>Never wrong; "unknown" only without tracking.</summary>
    public static void AssertMatches(string answer, long truth, bool tracked)
    {
        switch (answer)
        {
            case "committed":
                Assert.Equal(1, truth);
                break;
            case "not committed":
                Assert.Equal(0, truth);
                break;
            default:
                Assert.Equal(PatroniErrorIds.CommitOutcomeUnknown, answer);
                Assert.False(tracked, "with tracking no write may end as unknown");
                break;
        }
    }
}
