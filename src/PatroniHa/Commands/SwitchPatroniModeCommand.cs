using System.Management.Automation;
using PatroniHa.Configuration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Health;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Switches a live session between single-node and Patroni HA mode (the seed's migration, and its rollback
/// plan). Queries already running finish where they started; new ones use the new mode; the old pools are
/// drained and closed. If the new mode cannot be reached the session stays as it was. Returns the new health.
/// </summary>
[Cmdlet(VerbsCommon.Switch, "PatroniMode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PatroniHealth))]
public sealed class SwitchPatroniModeCommand : PatroniSessionSettingsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("SingleNode", "PatroniHa")]
    public string Mode { get; set; } = "";

    /// <summary>A session object or name; default: this runspace's default session.</summary>
    [Parameter(ValueFromPipeline = true)]
    [SessionTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNull]
    public PatroniSession? Session { get; set; }

    /// <summary>Patroni REST endpoints for the switch to PatroniHa (else: from connect time or the environment).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("PatroniHosts")]
    public string[]? ApiEndpoint { get; set; }

    /// <summary>The server for the switch to SingleNode (else: from connect time or PGHOST).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("Server")]
    public string? HostName { get; set; }

    /// <summary>Re-read the seed's variables from the environment (and -EnvFile) for the new mode.</summary>
    [Parameter]
    public SwitchParameter FromEnvironment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EnvFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Another login for the new mode; default: the session's.</summary>
    [Parameter]
    [ValidateNotNull]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void ProcessRecord()
    {
        PatroniSession session = RequireSession(Session);

        var target = Enum.Parse<ClusterMode>(Mode, ignoreCase: true);
        // Bad settings are reported (InvalidConfiguration) before anything connects; the session is untouched.
        ConnectionRecipe recipe = session.Recipe.Overlay(BuildRecipe(FromEnvironment, EnvFile, ConfigPath, Credential));
        ClusterOptions options = ResolveOptions(recipe, target);
        string from = session.Mode;
        if (!ShouldProcess(session.Name, $"Switch from {from} to {target} ({options})"))
            return;

        WriteVerbose($"Switching session '{session.Name}' from {from} to {options}");
        // The failure is caught inside the work so it can be reported as a mode-switch failure.
        PatroniHaException? failure = Run<PatroniHaException?>(async (_, ct) =>
        {
            try
            {
                await session.Engine.SwitchAsync(options, ct).ConfigureAwait(false);
                return null;
            }
            catch (PatroniHaException ex) when (!ct.IsCancellationRequested)
            {
                return ex;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !ct.IsCancellationRequested)
            {
                return new PatroniHaException(PatroniErrorIds.DatabaseOperationFailed, FailureKind.ConnectionError,
                    ex.Message, session.Name, ex);
            }
        }, session.Engine);

        if (failure is not null)
            throw Terminate(Errors.ErrorRecords.ModeSwitchFailed(session.Name, from, target, failure));

        session.Recipe = recipe;
        WriteVerbose($"Session '{session.Name}' switched from {from} to {target}; the {from} pools are closed.");
        HealthReport health = Run((_, ct) => session.Engine.GetHealthAsync(ct), session.Engine);
        WriteObject(new PatroniHealth(health, session.Name));
    }
}
