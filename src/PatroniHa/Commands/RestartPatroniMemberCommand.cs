using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Errors;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// patronictl restart: POST /restart on each chosen member in turn, now (waits until PostgreSQL is back) or at
/// -ScheduledAt. Members that do not meet -Pending/-PostgresVersion are reported as Skipped.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "PatroniMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class RestartPatroniMemberCommand : PatroniAdminCmdlet
{
    /// <summary>Members to restart; default: every member (filtered by -Role).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    public string[]? Member { get; set; }

    /// <summary>Only the leader, only replicas, or any (default).</summary>
    [Parameter]
    [ValidateSet("Any", "Leader", "Replica")]
    public string Role { get; set; } = "Any";

    /// <summary>Only members whose PostgreSQL reports a pending restart (restart_pending).</summary>
    [Parameter]
    public SwitchParameter Pending { get; set; }

    /// <summary>Only members running a PostgreSQL older than this version, e.g. 15.6.</summary>
    [Parameter]
    [ValidatePattern(@"^\d+(\.\d+){0,2}$")]
    public string? PostgresVersion { get; set; }

    /// <summary>Let Patroni restart at this time (a DateTimeOffset, or a DateTime taken as local time).</summary>
    [Parameter]
    public DateTimeOffset? ScheduledAt { get; set; }

    /// <summary>Patroni's own start timeout for this restart (its "timeout"; default primary_start_timeout).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int? StartTimeoutSec { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord()
    {
        if (Member is not null)
            _names.AddRange(Member);
    }

    protected override void EndProcessing()
    {
        PatroniSession session = ResolveSession();
        ClusterSnapshot cluster = ReadCluster(session);
        IReadOnlyList<PatroniMember> chosen;
        try
        {
            chosen = MemberActions.Select(cluster, _names);
        }
        catch (PatroniHaException e)
        {
            throw Terminate(ErrorRecords.From(e));
        }
        chosen = chosen.Where(m => Role switch
        {
            "Leader" => m.IsLeader,
            "Replica" => !m.IsLeader,
            _ => true,
        }).ToList();
        string when = ScheduledAt is { } at ? $" at {at:yyyy-MM-dd HH:mm:ss zzz}" : " now";
        string conditions = (Pending ? ", if a restart is pending" : "") + (PostgresVersion is { } v ? $", if older than {v}" : "");
        var approved = chosen.Where(m => ShouldProcess($"{m.Name} ({m.Role})", $"Restart PostgreSQL{when}{conditions}")).ToList();
        if (approved.Count == 0)
            return;
        var request = new RestartRequest
        {
            PendingOnly = Pending,
            PostgresVersion = PostgresVersion,
            ScheduledAt = ScheduledAt,
            StartTimeout = StartTimeoutSec is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        RunApi(session, "Restarting Patroni members", async (api, emit, progress, ct) =>
        {
            int? configured = (await ClusterConfiguration.GetOrEmptyAsync(api, ct).ConfigureAwait(false)).PrimaryStartTimeout;
            foreach (PatroniMember m in approved)
            {
                progress($"Restarting {m.Name}{when}");
                try
                {
                    emit(new PatroniMemberActionResult(await MemberActions.RestartAsync(api.Client, m, request, configured, ct).ConfigureAwait(false)));
                }
                catch (PatroniHaException e) when (!ct.IsCancellationRequested)
                {
                    emit(ErrorRecords.From(e));
                }
            }
            await api.RefreshSessionAsync(ct).ConfigureAwait(false);
            return true;
        });
    }
}
