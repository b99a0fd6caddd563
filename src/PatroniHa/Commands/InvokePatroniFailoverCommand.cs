using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Manual failover (patronictl failover): POST /failover to promote -Candidate, also when the cluster has no
/// leader (the seed's answer to "No primary node found in cluster"). Returns the topology after the change.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniFailover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class InvokePatroniFailoverCommand : PatroniSessionCmdlet
{
    /// <summary>The member to promote.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string Candidate { get; set; } = "";

    /// <summary>Patroni's REST API user (restapi.authentication); default: the session's.</summary>
    [Parameter]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    /// <summary>How long to wait for the candidate to lead.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSec { get; set; } = 60;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        string? leader = ChangeSupport.CurrentLeader(session);
        if (!ShouldProcess($"{ChangeSupport.ClusterName(session)} (leader {leader ?? "none"})", $"Fail over to {Candidate}"))
            return;

        var progress = new ProgressRecord(ChangeSupport.ProgressId, "Patroni failover", "Reading the cluster");
        ChangeResult result = Run(async (queue, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, ChangeSupport.ToNetwork(ApiCredential));
            return await ClusterChange.FailoverAsync(api, Candidate, TimeSpan.FromSeconds(TimeoutSec),
                s => ChangeSupport.Progress(this, queue, progress, s), ct).ConfigureAwait(false);
        }, session.Engine);
        ChangeSupport.Complete(this, progress);
        ChangeSupport.Report(this, result);
        ChangeSupport.WriteTopology(this, result.After);
    }
}
