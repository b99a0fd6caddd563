using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Planned switchover (patronictl switchover): POST /switchover, then wait until the new leader runs. Returns the
/// topology after the change. With -ScheduledAt Patroni queues it and the current topology comes back.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PatroniSwitchover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberInfo))]
public sealed class InvokePatroniSwitchoverCommand : PatroniSessionCmdlet
{
    /// <summary>The member to promote; default: any healthy standby Patroni picks.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string? Candidate { get; set; }

    /// <summary>Let Patroni do it at this time instead of now (local time unless the value says otherwise).</summary>
    [Parameter]
    public DateTime? ScheduledAt { get; set; }

    /// <summary>Patroni's REST API user (restapi.authentication); default: the session's.</summary>
    [Parameter]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    /// <summary>How long to wait for the new leader.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSec { get; set; } = 60;

    protected override void ProcessRecord()
    {
        PatroniSession session = ResolveSession();
        string? leader = ChangeSupport.CurrentLeader(session);
        DateTimeOffset? at = ScheduledAt is { } dt ? ChangeSupport.ToOffset(dt) : null;
        string action = (Candidate is null ? "Switch over to any healthy standby" : $"Switch over to {Candidate}")
            + (at is null ? "" : $" at {at:yyyy-MM-dd HH:mm:ss zzz}");
        if (!ShouldProcess($"{ChangeSupport.ClusterName(session)} (leader {leader ?? "unknown"})", action))
            return;

        var progress = new ProgressRecord(ChangeSupport.ProgressId, "Patroni switchover", "Reading the cluster");
        ChangeResult result = Run(async (queue, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, ChangeSupport.ToNetwork(ApiCredential));
            return await ClusterChange.SwitchoverAsync(api, Candidate, at, TimeSpan.FromSeconds(TimeoutSec),
                s => ChangeSupport.Progress(this, queue, progress, s), ct).ConfigureAwait(false);
        }, session.Engine);
        ChangeSupport.Complete(this, progress);
        ChangeSupport.Report(this, result);
        ChangeSupport.WriteTopology(this, result.After);
    }
}

/// <summary>What Invoke-PatroniSwitchover and Invoke-PatroniFailover share.</summary>
internal static class ChangeSupport
{
    public const int ProgressId = 0x5a7;

    public static NetworkCredential? ToNetwork(PSCredential? c) =>
        c is null || ReferenceEquals(c, PSCredential.Empty) ? null : c.GetNetworkCredential();

    public static DateTimeOffset ToOffset(DateTime dt) => dt.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(dt, TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Local)),
    };

    public static string? CurrentLeader(PatroniSession session) =>
        session.Engine.Backend is PatroniBackend p ? p.Monitor.Current?.Leader?.Name : null;

    public static string ClusterName(PatroniSession session) =>
        session.Engine.Backend is PatroniBackend p && p.Monitor.Current?.Scope is { } scope
            ? $"Patroni cluster '{scope}'"
            : $"Patroni cluster of session '{session.Name}'";

    public static void Progress(PSCmdlet cmdlet, PipelineQueue queue, ProgressRecord record, string status) =>
        queue.TryPost(() =>
        {
            record.StatusDescription = status;
            cmdlet.WriteProgress(record);
            cmdlet.WriteVerbose(status);
        });

    public static void Complete(PSCmdlet cmdlet, ProgressRecord record)
    {
        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
    }

    public static void Report(PSCmdlet cmdlet, ChangeResult r)
    {
        if (r.Status == SwitchoverStatus.Scheduled)
        {
            // Shown like Write-Host: a runbook's log should say that nothing happened yet.
            cmdlet.WriteInformation(new HostInformationMessage
            {
                Message = $"Patroni scheduled the switchover from {r.OldLeader} for {r.ScheduledAt:yyyy-MM-dd HH:mm:ss zzz}: {r.Message}",
            }, ["PSHOST"]);
            return;
        }
        cmdlet.WriteVerbose($"Patroni: {r.Message} (HTTP {r.HttpStatus}). Leader {r.OldLeader ?? "none"} -> {r.NewLeader} " +
            $"in {r.Elapsed.TotalSeconds:0.0} s{(r.SettledByPolling ? ", confirmed by polling /cluster" : "")}.");
    }

    public static void WriteTopology(PSCmdlet cmdlet, ClusterSnapshot snapshot)
    {
        foreach (PatroniMember m in snapshot.Members)
            cmdlet.WriteObject(new PatroniMemberInfo(m, snapshot.Scope));
    }
}

/// <summary>
/// Tab completion of -Candidate: the members of the -Session (or default) session's cluster, replicas first
/// (the leader last: switching over to it is refused).
/// </summary>
public sealed class MemberNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        PatroniSession? session = ResolveSession(fakeBoundParameters);
        if (session is null || !session.IsConnected || session.Engine.Backend is not PatroniBackend backend
            || backend.Monitor.Current is not { } snapshot)
            yield break;
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (PatroniMember m in snapshot.Members.OrderBy(m => m.IsLeader).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!m.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                continue;
            string tip = $"{m.Name} {m.Address} {m.Role} {m.State}{(m.LagBytes is { } lag ? $" lag {lag} B" : "")}{(m.NoFailover ? " nofailover" : "")}";
            yield return new CompletionResult(Quote(m.Name), m.Name, CompletionResultType.ParameterValue, tip);
        }
    }

    private static PatroniSession? ResolveSession(IDictionary fakeBoundParameters)
    {
        SessionRegistry? registry = SessionRegistry.ForCurrentRunspace();
        object? value = fakeBoundParameters.Contains("Session") ? fakeBoundParameters["Session"] : null;
        if (value is PSObject ps)
            value = ps.BaseObject;
        return value switch
        {
            PatroniSession s => s,
            string name => registry?.Find(name),
            _ => registry?.Default,
        };
    }

    private static string Quote(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or ';' or ',') ? $"'{name.Replace("'", "''")}'" : name;
}
