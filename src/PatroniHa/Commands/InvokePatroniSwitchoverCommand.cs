using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>
/// Planned switchover (patronictl switchover): POST /switchover, then wait until the new leader runs. Returns the
/// topology after the change. With -ScheduledAt Patroni queues it and the current topology comes back.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniSwitchover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class InvokePatroniSwitchoverCommand : PatroniChangeCmdlet
{
    /// <summary>The member to promote; default: any healthy standby Patroni picks.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string? Candidate { get; set; }

    /// <summary>Let Patroni do it at this time instead of now (local time unless the value says otherwise).</summary>
    [Parameter]
    public DateTime? ScheduledAt { get; set; }

    protected override void ProcessRecord()
    {
        DateTimeOffset? at = ScheduledAt is { } dt ? ToOffset(dt) : null;
        string action = (Candidate is null ? "Switch over to any healthy standby" : $"Switch over to {Candidate}")
            + (at is null ? "" : $" at {at:yyyy-MM-dd HH:mm:ss zzz}");
        RunChange(action, noLeader: "unknown", "Patroni switchover", (api, progress, ct) =>
            ClusterChange.SwitchoverAsync(api, Candidate, at, TimeSpan.FromSeconds(TimeoutSec), progress, ct));
    }

    /// <summary>An unspecified DateTime (what [datetime] gives) is local time.</summary>
    private static DateTimeOffset ToOffset(DateTime dt) => dt.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(dt, TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Local)),
    };
}
