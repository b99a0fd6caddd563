namespace PatroniHa.Engine.Errors;

/// <summary>Ids of the cluster administration commands (restart, reload, reinitialize, configuration, pause, waits).</summary>
public static partial class PatroniErrorIds
{
    /// <summary>409: the member already has a scheduled restart.</summary>
    public const string RestartAlreadyScheduled = "PatroniRestartAlreadyScheduled";
    /// <summary>503: a restart, reinitialize or start is already running on the member.</summary>
    public const string ActionInProgress = "PatroniActionInProgress";
    /// <summary>503 "restart failed", 400 with an exception, or another unexpected answer to POST /restart.</summary>
    public const string RestartFailed = "PatroniRestartFailed";
    /// <summary>400/422: the schedule has no time zone, is in the past or cannot be read.</summary>
    public const string ScheduleInvalid = "PatroniScheduleInvalid";
    /// <summary>500: Patroni does not schedule restarts while the cluster is paused.</summary>
    public const string SchedulePaused = "PatroniScheduleRejectedWhilePaused";
    /// <summary>404: DELETE /restart or /switchover found nothing scheduled.</summary>
    public const string NothingScheduled = "PatroniNothingScheduled";
    /// <summary>409 on PATCH /config: another change landed at the same time.</summary>
    public const string ConfigConflict = "PatroniConfigurationConflict";
    /// <summary>502/503 on /config: the cluster has no configuration key in the DCS.</summary>
    public const string ConfigMissing = "PatroniConfigurationMissing";
    /// <summary>400/411 or another refusal of PATCH/PUT /config.</summary>
    public const string ConfigRejected = "PatroniConfigurationRejected";
    /// <summary>A reinitialize that Patroni (or the module) refused: the leader, no leader to clone from …</summary>
    public const string ReinitializeRefused = "PatroniReinitializeRefused";
    /// <summary>The replica's state turned to a failed one while waiting for a reinitialize.</summary>
    public const string ReinitializeFailed = "PatroniReinitializeFailed";
    /// <summary>A member name that the cluster does not list.</summary>
    public const string MemberNotFound = "PatroniMemberNotFound";
    /// <summary>The request needs a newer Patroni than the member runs.</summary>
    public const string FeatureNotSupported = "PatroniFeatureNotSupported";
    /// <summary>A -Wait or Wait-PatroniCluster that did not see its condition before -TimeoutSec.</summary>
    public const string WaitTimeout = "PatroniWaitTimeout";
    /// <summary>A rolling restart that did not start (no leader, paused, no candidate) or stopped half way.</summary>
    public const string RollingRestartFailed = "PatroniRollingRestartFailed";
    /// <summary>Any other answer Patroni gave to an administrative request.</summary>
    public const string AdminRequestFailed = "PatroniAdminRequestFailed";
}
