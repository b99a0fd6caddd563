using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Without switches: could the cluster fail over right now? (changes nothing; one FailoverReadiness object
/// with a check per condition). With -Switchover: a drill — a probe workload writes and reads through the session
/// while Patroni switches over. With -Observe: the same probe for -DurationSec while something else fails the
/// primary (the seed's "Test 3: Failover Simulation").
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PatroniFailover", DefaultParameterSetName = CheckSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FailoverReadiness), ParameterSetName = [CheckSet])]
[OutputType(typeof(FailoverDrillResult), ParameterSetName = [SwitchoverSet, ObserveSet])]
public sealed class TestPatroniFailoverCommand : PatroniPipedSessionCmdlet
{
    private const string CheckSet = "Check";
    private const string SwitchoverSet = "Switchover";
    private const string ObserveSet = "Observe";

    /// <summary>Run a planned-switchover drill.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SwitchoverSet)]
    public SwitchParameter Switchover { get; set; }

    /// <summary>Run the probe while something else fails the primary.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ObserveSet)]
    public SwitchParameter Observe { get; set; }

    /// <summary>Check (or, with -Switchover, promote) this member.</summary>
    [Parameter(ParameterSetName = CheckSet, Position = 0)]
    [Parameter(ParameterSetName = SwitchoverSet, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string? Candidate { get; set; }

    /// <summary>How long -Observe watches.</summary>
    [Parameter(ParameterSetName = ObserveSet)]
    [ValidateRange(1, 86400)]
    public int DurationSec { get; set; } = 60;

    /// <summary>Pause between two probe statements (each of the writer and the reader).</summary>
    [Parameter(ParameterSetName = SwitchoverSet)]
    [Parameter(ParameterSetName = ObserveSet)]
    [ValidateRange(0, 10000)]
    public int ProbeIntervalMs { get; set; } = 10;

    /// <summary>How long the switchover, and writes and reads coming back after it, may take.</summary>
    [Parameter(ParameterSetName = SwitchoverSet)]
    [Parameter(ParameterSetName = ObserveSet)]
    [ValidateRange(5, 3600)]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Patroni's REST API user (restapi.authentication) for POST /switchover; default: the session's.</summary>
    [Parameter(ParameterSetName = SwitchoverSet)]
    [ValidateNotNull]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        if (ParameterSetName == CheckSet)
        {
            ReadinessReport report = Run(async (_, ct) =>
            {
                using DrillApi api = DrillApi.For(session.Engine, null);
                return await ReadinessChecker.CheckAsync(api, Candidate, ct).ConfigureAwait(false);
            }, session.Engine);
            WriteObject(new FailoverReadiness(report));
            return;
        }

        bool observe = ParameterSetName == ObserveSet;
        string target = ChangeSupport.Describe(session, noLeader: "unknown");
        string action = observe
            ? $"Run a probe workload (a probe table, writes and reads) for {DurationSec} s while the primary is failed elsewhere"
            : $"Failover drill: switch over to {Candidate ?? "any healthy standby"} under a probe workload";
        if (!ShouldProcess(target, action))
            return;

        var options = new DrillOptions
        {
            Kind = observe ? DrillKind.Observe : DrillKind.Switchover,
            Candidate = Candidate,
            Duration = TimeSpan.FromSeconds(DurationSec),
            ProbeInterval = TimeSpan.FromMilliseconds(ProbeIntervalMs),
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
        };
        var progress = new ProgressRecord(ChangeSupport.ProgressId + 1,
            observe ? "Patroni failover drill (observing)" : "Patroni switchover drill", "Starting");
        DrillReport result = Run(async (queue, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, ChangeSupport.ToNetwork(ApiCredential));
            Action<string, int?> post = ProgressPoster(queue, progress);
            return await FailoverDrill.RunAsync(api, options, (status, percent) => post(status, percent), ct,
                warning => queue.TryPost(() => WriteWarning(warning))).ConfigureAwait(false);
        }, session.Engine);
        CompleteProgress(progress);
        var output = new FailoverDrillResult(result, session.Name);
        foreach (string note in output.Notes)
            WriteVerbose(note);
        WriteObject(output);
    }
}
