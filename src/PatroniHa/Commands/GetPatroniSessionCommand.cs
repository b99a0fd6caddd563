using System.Management.Automation;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>Lists this runspace's sessions (or those whose name matches -Name, wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "PatroniSession", DefaultParameterSetName = "Name")]
[OutputType(typeof(PatroniSession))]
public sealed class GetPatroniSessionCommand : PatroniCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the default session (not with -Name: one or the other).</summary>
    [Parameter(ParameterSetName = "Default", Mandatory = true)]
    public SwitchParameter Default { get; set; }

    protected override void ProcessRecord()
    {
        SessionRegistry registry = SessionRegistry.ForCurrentRunspace()!;
        if (Default)
        {
            if (registry.Default is { } d)
                WriteObject(d);
            return;
        }
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (string name in Name ?? [])
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name) && registry.Find(name) is null)
                WriteError(Errors.ErrorRecords.SessionNotFound(name));
        }
        foreach (PatroniSession session in registry.All)
        {
            if (patterns.Any(p => p.IsMatch(session.Name)))
                WriteObject(session);
        }
    }
}
