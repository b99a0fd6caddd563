using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Runs several statements as one transaction on the leader, whole again (up to -MaxAttempts) when a failure
/// proves nothing of it committed. A script block's Invoke-PatroniQuery calls (same runspace and session) join the
/// transaction; its output reaches the pipeline after COMMIT, so a re-run never shows anything twice.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniTransaction", DefaultParameterSetName = BlockSet)]
[OutputType(typeof(PSObject))]
public sealed class InvokePatroniTransactionCommand : PatroniPipedSessionCmdlet
{
    private const string BlockSet = "ScriptBlock";
    private const string StatementSet = "Statement";

    /// <summary>
    /// The work of the transaction: its Invoke-PatroniQuery calls run inside it. It may run more than once, so it
    /// must have no effects outside the database.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = BlockSet)]
    [ValidateNotNull]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>SQL statements sent as one batch after BEGIN, then COMMIT.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StatementSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Statement { get; set; }

    /// <summary>Values for @name placeholders in -Statement: @{ name = value }.</summary>
    [Parameter(ParameterSetName = StatementSet)]
    [ValidateNotNull]
    public Hashtable? Parameters { get; set; }

    /// <summary>The transaction's isolation level; default: the server's default_transaction_isolation.</summary>
    [Parameter]
    [ValidateSet("Default", "ReadCommitted", "RepeatableRead", "Serializable")]
    public string IsolationLevel { get; set; } = "Default";

    /// <summary>How many times the transaction may run in all when it provably did not commit (1: never again).</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Another database of the same cluster.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Timeout in seconds for each statement of -Statement and for COMMIT (0: none).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSec { get; set; } = 30;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (session.TransactionInThisRunspace() is not null)
        {
            throw Terminate(Errors.ErrorRecords.From(new Engine.Errors.PatroniHaException(
                Engine.Errors.PatroniErrorIds.TransactionControlRefused, Engine.Errors.FailureKind.InvalidOperation,
                "Invoke-PatroniTransaction cannot be nested: this session already runs a transaction in this runspace. " +
                "Put the statements in the outer block (use SAVEPOINT for partial undo).")));
        }
        var options = new TransactionOptions
        {
            Isolation = Enum.Parse<TransactionIsolation>(IsolationLevel, ignoreCase: true),
            MaxAttempts = MaxAttempts,
            Database = Database,
            TimeoutSeconds = TimeoutSec,
        };
        if (ParameterSetName == StatementSet)
        {
            var batch = new QueryRequest(string.Join(";\n", Statement!))
            {
                Parameters = InvokePatroniQueryCommand.BindParameters(Parameters),
                Database = Database,
                TimeoutSeconds = TimeoutSec,
            };
            QueryResult result = Run((queue, ct) => session.Engine.RunTransactionAsync(batch, options,
                new InvokePatroniQueryCommand.PipelineSink(this, queue), ct), session.Engine);
            WriteVerbose($"Committed on {result.Server} after {result.Attempts} attempt(s).");
            return;
        }
        RunBlock(session, options);
    }

    private static System.Management.Automation.ErrorRecord Busy() => Errors.ErrorRecords.From(new Engine.Errors.PatroniHaException(
        Engine.Errors.PatroniErrorIds.TransactionControlRefused, Engine.Errors.FailureKind.InvalidOperation,
        "This session already runs a transaction (in another runspace). Use a session of its own per runspace " +
        "(Connect-PatroniCluster -Name …) for transactions that run side by side."));

    // The block runs here, on the pipeline thread (PowerShell runs scripts nowhere else); each of its queries
    // hands its statement to the engine and waits, so the connection is never used by two threads at once.
    private void RunBlock(PatroniSession session, TransactionOptions options)
    {
        for (int number = 1; ; number++)
        {
            int attemptNumber = number;
            TransactionAttempt attempt = Run((_, ct) => session.Engine.BeginTransactionAsync(options, attemptNumber, ct), session.Engine);
            try
            {
                Collection<PSObject>? output = null;
                Exception? blockError = null;
                using (session.EnterTransaction(attempt) ?? throw Terminate(Busy()))
                {
                    // The block's commands without -Session mean this transaction's session, not the default one.
                    SessionRegistry? registry = SessionRegistry.ForCurrentRunspace();
                    PatroniSession? outer = registry?.InTransaction;
                    if (registry is not null)
                        registry.InTransaction = session;
                    try
                    {
                        output = ScriptBlock!.Invoke();
                    }
                    catch (Exception ex) when (ex is not PipelineStoppedException)
                    {
                        blockError = ex;
                    }
                    finally
                    {
                        if (registry is not null)
                            registry.InTransaction = outer;
                    }
                }
                TransactionEnd end = Run((_, ct) => attempt.EndAsync(blockError is null, ct), session.Engine);
                if (end == TransactionEnd.RunAgain)
                {
                    WriteVerbose($"Attempt {number} on {attempt.Server} provably did not commit: running the transaction again.");
                    continue;
                }
                if (end == TransactionEnd.RolledBack)
                {
                    throw Terminate(blockError is IContainsErrorRecord { ErrorRecord: { } record }
                        ? record
                        : new ErrorRecord(blockError!, "PatroniTransactionBlockFailed", ErrorCategory.NotSpecified, null));
                }
                WriteVerbose($"Committed on {attempt.Server} after {number} attempt(s)" +
                             (attempt.Marker is { } m ? $" (commit marker {m})." : "."));
                foreach (PSObject item in output!)
                    WriteObject(item);
                return;
            }
            finally
            {
                // Rolls back whatever did not end (Ctrl+C in the block) and gives the connection back.
                attempt.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }
}
