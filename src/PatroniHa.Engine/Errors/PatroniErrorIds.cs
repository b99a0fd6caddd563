namespace PatroniHa.Engine.Errors;

/// <summary>Stable error ids. Scripts match on these (Should -Throw -ErrorId …), so never rename one.</summary>
public static partial class PatroniErrorIds
{
    public const string NotConnected = "PatroniNotConnected";
    public const string SessionNotFound = "PatroniSessionNotFound";
    public const string TopologyUnavailable = "PatroniTopologyUnavailable";
    public const string NoPrimary = "PatroniNoPrimary";
    public const string NotPatroni = "PatroniNotAPatroniEndpoint";
    public const string CommitOutcomeUnknown = "PatroniCommitOutcomeUnknown";
    public const string DatabaseOperationFailed = "PatroniDatabaseOperationFailed";
    public const string QueryFailed = "PatroniQueryFailed";
    public const string QueryCanceled = "PatroniQueryCanceled";
    public const string QueryTimeout = "PatroniQueryTimeout";
    public const string FailoverTimeout = "PatroniFailoverTimeout";
    public const string InvalidConfiguration = "PatroniInvalidConfiguration";
    public const string AuthenticationFailed = "PatroniAuthenticationFailed";
    public const string SandboxBinaryMissing = "PatroniSandboxBinaryMissing";
    public const string SandboxStartFailed = "PatroniSandboxStartFailed";
    public const string SwitchoverFailed = "PatroniSwitchoverFailed";
    public const string ModeSwitchFailed = "PatroniModeSwitchFailed";
    public const string RequiresPatroniMode = "PatroniRequiresPatroniMode";
    public const string FailoverNotReady = "PatroniFailoverNotReady";
    public const string SwitchoverOutcomeUnknown = "PatroniSwitchoverOutcomeUnknown";
    public const string SwitchoverUnsafe = "PatroniSwitchoverUnsafe";
    public const string DrillFailed = "PatroniDrillFailed";
    public const string LeaderUnconfirmed = "PatroniLeaderUnconfirmed";
    public const string ResultUnreadable = "PatroniResultUnreadable";
    public const string TransactionControlRefused = "PatroniTransactionControlRefused";
    public const string NotCommitted = "PatroniNotCommitted";
}
