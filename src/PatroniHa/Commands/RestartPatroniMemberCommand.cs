using System.Management.Automation;
using PatroniHa.Engine.Administration;
using PatroniHa.Output;

namespace PatroniHa.Commands;

/// <summary>
/// patronictl restart: POST /restart on each chosen member in turn, now (waits until PostgreSQL is back) or at
/// -ScheduledAt (-Member: default every member, filtered by -Role). Members that do not meet -Pending or
/// -PostgresVersion are reported as Skipped.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "PatroniMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatroniMemberActionResult))]
public sealed class RestartPatroniMemberCommand : PatroniMemberActionCmdlet
{
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

    protected override void EndProcessing()
    {
        string when = ScheduledAt is { } at ? $" at {at:yyyy-MM-dd HH:mm:ss zzz}" : " now";
        string conditions = (Pending ? ", if a restart is pending" : "") + (PostgresVersion is { } v ? $", if older than {v}" : "");
        var request = new RestartRequest
        {
            PendingOnly = Pending,
            PostgresVersion = PostgresVersion,
            ScheduledAt = ScheduledAt,
            StartTimeout = StartTimeoutSec is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        int? configured = null;
        RunOnMembers("Restarting Patroni members",
            (_, named, _) => named.Where(m => Role switch
            {
                "Leader" => m.IsLeader,
                "Replica" => !m.IsLeader,
                _ => true,
            }),
            _ => $"Restart PostgreSQL{when}{conditions}",
            async (api, m, ct) =>
            {
                configured ??= (await ClusterConfiguration.GetOrEmptyAsync(api, ct).ConfigureAwait(false)).PrimaryStartTimeout ?? 0;
                return await MemberActions.RestartAsync(api.Client, m, request, configured > 0 ? configured : null, ct).ConfigureAwait(false);
            });
    }
}
