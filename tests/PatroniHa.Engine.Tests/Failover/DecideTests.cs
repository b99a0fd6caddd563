using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Routing;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>QueryExecutor.Decide: every row of the decision table that keeps writes from running twice.</summary>
public sealed class DecideTests
{
    private static readonly RouteTarget Leader = new("n1", "127.0.0.1", 5432, IsLeader: true);
    private static readonly Exception Cause = new InvalidOperationException("connection reset");

    private static readonly QueryRequest Write = new("INSERT INTO t VALUES (1)");
    private static readonly QueryRequest IdempotentWrite = Write with { Idempotent = true };
    private static readonly QueryRequest Read = new("SELECT 1") { ReadOnly = true };

    public static TheoryData<string, bool, string, bool, string> Table => new()
    {
        // request, rows delivered, failure, demoted => retry or error id
        { "write", false, nameof(FailureClass.NotSent), false, "retry" },
        { "write", false, nameof(FailureClass.OutcomeUnknown), false, PatroniErrorIds.CommitOutcomeUnknown },
        { "write", false, nameof(FailureClass.OutcomeUnknown), true, PatroniErrorIds.CommitOutcomeUnknown },
        { "write", true, nameof(FailureClass.NotSent), false, PatroniErrorIds.CommitOutcomeUnknown },
        { "write", false, nameof(FailureClass.Rejected), false, PatroniErrorIds.QueryFailed },
        { "write", false, nameof(FailureClass.Canceled), false, PatroniErrorIds.QueryCanceled },
        { "write", false, nameof(FailureClass.Configuration), false, PatroniErrorIds.DatabaseOperationFailed },
        { "idempotent", false, nameof(FailureClass.NotSent), false, "retry" },
        { "idempotent", false, nameof(FailureClass.OutcomeUnknown), false, "retry" },
        { "idempotent", true, nameof(FailureClass.OutcomeUnknown), false, PatroniErrorIds.CommitOutcomeUnknown },
        { "read", false, nameof(FailureClass.NotSent), false, "retry" },
        { "read", false, nameof(FailureClass.OutcomeUnknown), false, "retry" },
        { "read", true, nameof(FailureClass.OutcomeUnknown), false, PatroniErrorIds.DatabaseOperationFailed },
        { "read", true, nameof(FailureClass.NotSent), false, PatroniErrorIds.DatabaseOperationFailed },
        { "read", false, nameof(FailureClass.Rejected), false, PatroniErrorIds.QueryFailed },
        { "read", false, nameof(FailureClass.Canceled), false, PatroniErrorIds.QueryCanceled },
        // Past -TimeoutSec: never again (it would time out again); a write may have committed in its last moment.
        { "write", false, nameof(FailureClass.TimedOut), false, PatroniErrorIds.CommitOutcomeUnknown },
        { "idempotent", false, nameof(FailureClass.TimedOut), false, PatroniErrorIds.CommitOutcomeUnknown },
        { "read", false, nameof(FailureClass.TimedOut), false, PatroniErrorIds.QueryTimeout },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_FollowsTheTable(string kind, bool rowsDelivered, string failureName, bool demoted, string expected)
    {
        var failure = Enum.Parse<FailureClass>(failureName);
        QueryRequest request = kind switch { "write" => Write, "idempotent" => IdempotentWrite, _ => Read };

        Exception decided = QueryExecutor.Decide(request, rowsDelivered, Leader, failure, Cause, demoted);

        if (expected == "retry")
        {
            var retry = Assert.IsType<RetryableFailure>(decided);
            Assert.Same(Cause, retry.InnerException);
        }
        else
        {
            Assert.Equal(expected, Assert.IsType<PatroniHaException>(decided).ErrorId);
        }
    }

    [Fact]
    public void Decide_DemotedWrite_SaysTheLeaderMoved()
    {
        Exception decided = QueryExecutor.Decide(Write, false, Leader, FailureClass.OutcomeUnknown, Cause, demoted: true);

        Assert.Contains("stopped being the leader", decided.Message);
    }
}
