using System.Net.Sockets;
using Npgsql;
using PatroniHa.Engine.Execution;
using Xunit;

namespace PatroniHa.Engine.Tests.Failover;

/// <summary>Which failures may be retried elsewhere, which are the server's "no", and which leave a write's fate unknown.</summary>
public sealed class FailureClassifierTests
{
    private static PostgresException Pg(string sqlState, string severity = "ERROR") =>
        new("test", severity, severity, sqlState);

    [Theory]
    [InlineData("25006", true)]  // read-only transaction: a demoted primary refused the write
    [InlineData("25006", false)]
    [InlineData("57P03", true)]  // cannot connect now: starting up / shutting down
    [InlineData("57P03", false)]
    [InlineData("53300", false)] // too many connections
    public void ServerRefusedToRunIt_IsNotSent(string sqlState, bool sent) =>
        Assert.Equal(FailureClass.NotSent, FailureClassifier.Classify(Pg(sqlState), sent, CancellationToken.None));

    [Theory]
    [InlineData("57P01")] // admin shutdown: may come after a local commit waiting for a synchronous standby
    [InlineData("57P02")] // crash shutdown
    [InlineData("08006")] // connection failure
    [InlineData("XX000")]
    public void FatalAfterSending_IsOutcomeUnknown(string sqlState) =>
        Assert.Equal(FailureClass.OutcomeUnknown, FailureClassifier.Classify(Pg(sqlState, "FATAL"), sent: true, CancellationToken.None));

    [Fact]
    public void PanicAfterSending_IsOutcomeUnknown() =>
        Assert.Equal(FailureClass.OutcomeUnknown, FailureClassifier.Classify(Pg("XX000", "PANIC"), sent: true, CancellationToken.None));

    [Theory]
    [InlineData("57P01")]
    [InlineData("08006")]
    [InlineData("08001")]
    public void FatalBeforeSending_IsNotSent(string sqlState) =>
        Assert.Equal(FailureClass.NotSent, FailureClassifier.Classify(Pg(sqlState, "FATAL"), sent: false, CancellationToken.None));

    [Theory]
    [InlineData("23505")] // unique violation: a replay shows up here
    [InlineData("42601")] // syntax error
    [InlineData("40001")] // serialization failure
    [InlineData("57014")] // query cancelled by a statement timeout: an ERROR, the transaction rolled back
    public void OrdinaryErrorAfterSending_IsRejected(string sqlState) =>
        Assert.Equal(FailureClass.Rejected, FailureClassifier.Classify(Pg(sqlState), sent: true, CancellationToken.None));

    [Theory]
    [InlineData("28P01")]
    [InlineData("28000")]
    [InlineData("3D000")]
    public void LoginOrDatabaseProblems_AreConfiguration(string sqlState) =>
        Assert.Equal(FailureClass.Configuration, FailureClassifier.Classify(Pg(sqlState, "FATAL"), sent: false, CancellationToken.None));

    public static TheoryData<Exception> BrokenConnections() => new()
    {
        new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer")),
        new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)),
        new SocketException((int)SocketError.ConnectionReset),
        new IOException("Unable to read data from the transport connection"),
        // A write aborted because its server lost the leadership (not the caller's token).
        new OperationCanceledException(),
    };

    [Theory]
    [MemberData(nameof(BrokenConnections))]
    public void BrokenConnectionAfterSending_IsOutcomeUnknown(Exception ex) =>
        Assert.Equal(FailureClass.OutcomeUnknown, FailureClassifier.Classify(ex, sent: true, CancellationToken.None));

    [Theory]
    [MemberData(nameof(BrokenConnections))]
    public void BrokenConnectionBeforeSending_IsNotSent(Exception ex) =>
        Assert.Equal(FailureClass.NotSent, FailureClassifier.Classify(ex, sent: false, CancellationToken.None));

    public static TheoryData<Exception> StatementTimeouts() => new()
    {
        new TimeoutException(),
        new NpgsqlException("Exception while reading from stream", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(StatementTimeouts))]
    public void TimeoutAfterSending_IsTimedOut_AndNoRoleChange(Exception ex)
    {
        Assert.Equal(FailureClass.TimedOut, FailureClassifier.Classify(ex, sent: true, CancellationToken.None));
        Assert.False(FailureClassifier.SignalsRoleChange(ex));
    }

    [Theory]
    [MemberData(nameof(StatementTimeouts))]
    public void TimeoutBeforeSending_IsNotSent(Exception ex) => // connecting timed out: that server may be gone
        Assert.Equal(FailureClass.NotSent, FailureClassifier.Classify(ex, sent: false, CancellationToken.None));

    [Fact]
    public void CallersCancellation_IsCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Equal(FailureClass.Canceled, FailureClassifier.Classify(new OperationCanceledException(cts.Token), sent: true, cts.Token));
        Assert.Equal(FailureClass.Canceled, FailureClassifier.Classify(new NpgsqlException("cancelled", new OperationCanceledException()), sent: true, cts.Token));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnreadableResultAfterTheStatementFinished_IsResultUnreadable_NeverRejected(bool sent) =>
        Assert.Equal(FailureClass.ResultUnreadable,
            FailureClassifier.Classify(new ResultUnreadableException(new InvalidCastException("regclass")), sent, CancellationToken.None));

    [Fact]
    public void UnreadableResult_EvenWhenTheCallerCancelledAfterwards_IsResultUnreadable()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Equal(FailureClass.ResultUnreadable,
            FailureClassifier.Classify(new ResultUnreadableException(new InvalidCastException()), sent: true, cts.Token));
    }

    [Fact]
    public void PoolsClosedByDisconnectBeforeSending_IsDisconnected() =>
        Assert.Equal(FailureClass.Disconnected,
            FailureClassifier.Classify(new ObjectDisposedException("NpgsqlDataSource"), sent: false, CancellationToken.None));

    [Fact]
    public void PoolsClosedByDisconnectAfterSending_IsOutcomeUnknown() =>
        Assert.Equal(FailureClass.OutcomeUnknown,
            FailureClassifier.Classify(new ObjectDisposedException("NpgsqlConnection"), sent: true, CancellationToken.None));

    [Fact]
    public void ClientSideProblems_AreRejected() =>
        Assert.Equal(FailureClass.Rejected, FailureClassifier.Classify(new InvalidCastException(), sent: false, CancellationToken.None));

    [Theory]
    [InlineData("25006", "ERROR", true)]
    [InlineData("57P01", "FATAL", true)]
    [InlineData("57P02", "FATAL", true)]
    [InlineData("57P03", "FATAL", true)]
    [InlineData("08006", "FATAL", true)]
    [InlineData("08P01", "ERROR", true)]
    [InlineData("23505", "ERROR", false)]
    [InlineData("42601", "ERROR", false)]
    [InlineData("28P01", "FATAL", false)]
    public void RoleChangeSignals(string sqlState, string severity, bool signals) =>
        Assert.Equal(signals, FailureClassifier.SignalsRoleChange(Pg(sqlState, severity)));

    [Fact]
    public void BrokenSocketsSignalARoleChange()
    {
        Assert.True(FailureClassifier.SignalsRoleChange(new NpgsqlException("x", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(FailureClassifier.SignalsRoleChange(new IOException("reset")));
        Assert.False(FailureClassifier.SignalsRoleChange(new InvalidCastException()));
    }
}
