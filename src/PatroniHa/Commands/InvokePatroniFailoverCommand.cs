using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>
/// Manual failover (patronictl failover): POST /failover to promote -Candidate, also when the cluster has no
/// leader (the seed's answer to "No primary node found in cluster"). Returns the topology after the change.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniFailover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class InvokePatroniFailoverCommand : PatroniChangeCmdlet
{
    /// <summary>The member to promote.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string Candidate { get; set; } = "";

    protected override void ProcessRecord() =>
        RunChange($"Fail over to {Candidate}", noLeader: "none", "Patroni failover", (api, progress, ct) =>
            ClusterChange.FailoverAsync(api, Candidate, TimeSpan.FromSeconds(TimeoutSec), progress, ct));
}
