using System.Management.Automation;
using PatroniHa.Engine.Workload;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// The seed's load test: concurrent workers mix reads (-ReadOnly) and writes through the session for a
/// while; reports latency percentiles, the read/write split per server and the connections held (pool
/// usage). Uses, then drops, a scratch table.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "PatroniWorkload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PatroniWorkloadResult))]
public sealed class MeasurePatroniWorkloadCommand : PatroniPipedSessionCmdlet
{
    [Parameter(Position = 0)]
    [ValidateRange(1, 86400)]
    public int DurationSec { get; set; } = 60;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Concurrency { get; set; } = 10;

    /// <summary>Share of statements sent as reads (0–1); default 0.8.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double ReadRatio { get; set; } = 0.8;

    /// <summary>The scratch table (created, then dropped).</summary>
    [Parameter]
    [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
    public string Table { get; set; } = "patroniha_workload";

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (!ShouldProcess($"{session.Name} ({session.Primary})", $"Run a {DurationSec} s workload with {Concurrency} workers in table {Table}"))
            return;
        var options = new WorkloadOptions
        {
            Duration = TimeSpan.FromSeconds(DurationSec),
            Concurrency = Concurrency,
            ReadRatio = ReadRatio,
            Table = Table,
        };
        var progress = new ProgressRecord(2, "Measure-PatroniWorkload", "Starting");
        WorkloadReport report = Run((queue, ct) =>
        {
            Action<string, int?> post = ProgressPoster(queue, progress, verbose: false);
            return WorkloadRunner.RunAsync(session.Engine, options, step => post(step, null), ct);
        }, session.Engine);
        CompleteProgress(progress);
        WriteObject(new PatroniWorkloadResult(report));
    }
}
