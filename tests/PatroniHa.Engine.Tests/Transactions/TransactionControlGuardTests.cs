using PatroniHa.Engine.Execution.Transactions;
using Xunit;

namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>Statements that would end the module's transaction are found before they are sent; others pass.</summary>
public sealed class TransactionControlGuardTests
{
    [Theory]
    [InlineData("COMMIT", "COMMIT")]
    [InlineData("commit;", "COMMIT")]
    [InlineData("UPDATE t SET a = 1; COMMIT", "COMMIT")]
    [InlineData("update t set a = 1;\n  rollback", "ROLLBACK")]
    [InlineData("END", "END")]
    [InlineData("abort", "ABORT")]
    [InlineData("BEGIN", "BEGIN")]
    [InlineData("start transaction isolation level serializable", "START TRANSACTION")]
    [InlineData("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION")]
    [InlineData("/* hi */ COMMIT", "COMMIT")]
    [InlineData("-- a comment\nCOMMIT", "COMMIT")]
    [InlineData("SELECT x$y$ FROM t; COMMIT; SELECT $y$", "COMMIT")] // a $ inside an identifier opens no quote
    public void TransactionControl_IsFound(string sql, string expected) =>
        Assert.Equal(expected, TransactionControlGuard.Find(sql));

    [Theory]
    [InlineData("SELECT 'COMMIT'")]
    [InlineData("SELECT 1; SELECT ';COMMIT'")]
    [InlineData("INSERT INTO t (a) VALUES ($$; commit; $$)")]
    [InlineData("INSERT INTO t (a) VALUES ($tag$;rollback$tag$)")]
    [InlineData("SELECT \"commit\" FROM t")]
    [InlineData("ROLLBACK TO SAVEPOINT a")]
    [InlineData("rollback to a")]
    [InlineData("SAVEPOINT a")]
    [InlineData("-- COMMIT\nSELECT 1")]
    [InlineData("SELECT 1 /* ; COMMIT */")]
    [InlineData("DO $$ BEGIN PERFORM 1; END $$")]
    [InlineData("SELECT $1::int")]
    [InlineData("SELECT 'it''s; commit'")]
    [InlineData("SELECT E'\\'; commit'")]
    public void OtherStatements_Pass(string sql) =>
        Assert.Null(TransactionControlGuard.Find(sql));
}
