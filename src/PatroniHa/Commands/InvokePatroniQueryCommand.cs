using System.Collections;
using System.Management.Automation;
using PatroniHa.Configuration;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Runs one SQL statement: writes on the leader, -ReadOnly on a healthy replica. Rows stream to the
/// pipeline as they are read. Parameters are bound (@name in the SQL), never spliced in.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniQuery")]
[OutputType(typeof(PSObject))]
public sealed class InvokePatroniQueryCommand : PatroniSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Sql")]
    public string Query { get; set; } = "";

    /// <summary>Values for @name placeholders: @{ name = value }.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNull]
    public Hashtable? Parameters { get; set; }

    /// <summary>Send the statement to a replica (falls back to the leader when none is usable).</summary>
    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>Another database of the same cluster (pools per member and database).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Rows (default): every row as an object; Scalar: one value; NonQuery: rows affected.</summary>
    [Parameter]
    [ValidateSet("Rows", "Scalar", "NonQuery")]
    public string As { get; set; } = "Rows";

    /// <summary>Statement timeout in seconds (0: none).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSec { get; set; } = 30;

    /// <summary>Running the statement twice is harmless: retry it even when a failover left its outcome unknown.</summary>
    [Parameter]
    public SwitchParameter Idempotent { get; set; }

    /// <summary>This read's consistency (needs -ReadOnly): Eventual, ReadYourWrites or Strong; default: the session's.</summary>
    [Parameter]
    [ValidateSet("Eventual", "ReadYourWrites", "Strong")]
    public string? Consistency { get; set; }

    /// <summary>This read skips replicas more than this many bytes behind the leader (needs -ReadOnly).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxLagBytes { get; set; }

    /// <summary>This read skips replicas that may miss commits older than this many seconds (needs -ReadOnly).</summary>
    [Parameter]
    [ValidateRange(0.0, 86400.0)]
    public double MaxLagSec { get; set; }

    /// <summary>Ordered tag groups this read prefers (needs -ReadOnly); @{} matches any replica.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public Hashtable[]? PreferTag { get; set; }

    /// <summary>Tags a replica must have to serve this read (needs -ReadOnly).</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? RequireTag { get; set; }

    /// <summary>How this read picks among equally preferred replicas (needs -ReadOnly).</summary>
    [Parameter]
    [ValidateSet("RoundRobin", "Random", "LowestLatency")]
    public string? ReplicaChoice { get; set; }

    /// <summary>How long this ReadYourWrites read waits for a replica to catch up before it runs on the leader.</summary>
    [Parameter]
    [ValidateRange(0, 600000)]
    public int MaxWaitMs { get; set; }

    /// <summary>A commit position ('X/Y' or 'X/Y@timeline', e.g. another process's $session.LastCommitLsn) this read must see: a ReadYourWrites read (implied) goes to a replica that replayed it, else to the leader.</summary>
    [Parameter]
    [ValidatePattern(@"^\s*[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}(@[1-9][0-9]*)?\s*$")]
    public string? AfterLsn { get; set; }

    protected override void ProcessRecord()
    {
        // A usage error is reported before anything about the session: it is wrong whatever the session.
        bool policyBound = AfterLsn is not null || ReadPolicyBinding.AnyBound(MyInvocation.BoundParameters);
        if (!ReadOnly && policyBound)
            throw Terminate(Errors.ErrorRecords.ReadPolicyNeedsReadOnly());
        PatroniSession session = ResolveSession();
        ReadPolicy? policy = null;
        if (policyBound)
        {
            policy = ReadPolicyBinding.Apply(session.Engine.Reads.DefaultPolicy, MyInvocation.BoundParameters);
            if (AfterLsn is not null && !MyInvocation.BoundParameters.ContainsKey(nameof(Consistency)))
                policy = policy with { Consistency = ReadConsistency.ReadYourWrites };
        }
        var request = new QueryRequest(Query)
        {
            Parameters = BindParameters(Parameters),
            ReadOnly = ReadOnly,
            Database = Database,
            Shape = ShapeOf(As),
            TimeoutSeconds = TimeoutSec,
            Idempotent = Idempotent,
            ReadPolicy = policy,
            AfterPosition = AfterLsn is null ? null : CommitPosition.Parse(AfterLsn),
            // This thread would only wait for the answer: let the first attempt wait on the socket itself. Not
            // without a timeout: a blocking call on a frozen server ends only at its timeout, Ctrl+C or not.
            BlockingFirstAttempt = TimeoutSec > 0,
        };
        // Inside Invoke-PatroniTransaction (same runspace, same session) the statement joins its transaction. There,
        // and for a plain statement that may write, Select-Object -First stops the rows, never the statement itself:
        // cancelled after its first rows were shown, a write would roll back (and take the transaction with it).
        QueryResult result = session.TransactionInThisRunspace() is { } transaction
            ? Run((queue, ct) => transaction.ExecuteAsync(request, new PipelineSink(this, queue), ct), session.Engine,
                drainRowsOnStop: true)
            : Run((queue, ct) => session.Engine.ExecuteAsync(request, new PipelineSink(this, queue), ct), session.Engine,
                drainRowsOnStop: request.Shape == QueryShape.Rows && !ReadOnly && !ReadingText.OnlyReads(Query));
        if (VerboseWanted)
        {
            WriteVerbose($"Ran on {result.Server} after {result.Attempts} attempt(s)." +
                         (result.CommitPosition is { } commit ? $" Committed at or before {commit}." : ""));
        }
        if (request.Shape != QueryShape.Rows)
            WriteObject(result.Value);
    }

    private static QueryShape ShapeOf(string shape) => shape.ToUpperInvariant() switch
    {
        "SCALAR" => QueryShape.Scalar,
        "NONQUERY" => QueryShape.NonQuery,
        _ => QueryShape.Rows,
    };

    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>();

    internal static IReadOnlyDictionary<string, object?> BindParameters(Hashtable? parameters)
    {
        if (parameters is null || parameters.Count == 0)
            return NoParameters;
        var bound = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in parameters)
        {
            string name = entry.Key.ToString()!;
            bound[name] = QueryParameterValues.Convert(name, entry.Value);
        }
        return bound;
    }

    /// <summary>Hands each row to the pipeline thread as it arrives.</summary>
    internal sealed class PipelineSink(Cmdlet cmdlet, PipelineQueue queue) : IRowSink
    {
        private RowObjects? _rows;

        public void OnColumns(IReadOnlyList<string> names) => _rows = new RowObjects(names);

        public void OnRow(object?[] values, CancellationToken ct)
        {
            RowObjects rows = _rows!;
            queue.Post(() => cmdlet.WriteObject(rows.Create(values)), ct);
        }
    }
}
