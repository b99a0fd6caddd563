using System.Collections;
using System.Management.Automation;
using System.Text.Json.Nodes;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Patroni;
using PatroniHa.Errors;
using PatroniHa.Output;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// patronictl edit-config: PATCH /config with settings and PostgreSQL parameters ($null removes a key), one
/// object per change saying whether it needs a restart. -Replace sends the whole document with PUT instead.
/// </summary>
[Cmdlet(VerbsCommon.Set, "PatroniConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = "Patch")]
[OutputType(typeof(PatroniConfigurationChange))]
public sealed class SetPatroniConfigurationCommand : PatroniAdminCmdlet
{
    /// <summary>Settings by their Patroni names (nested hashtables for sections), e.g. @{ loop_wait = 5 }.</summary>
    [Parameter(ParameterSetName = "Patch")]
    [ValidateNotNull]
    public IDictionary? Setting { get; set; }

    /// <summary>PostgreSQL parameters (postgresql.parameters), e.g. @{ max_connections = 200; work_mem = '8MB' }.</summary>
    [Parameter(ParameterSetName = "Patch")]
    [ValidateNotNull]
    public IDictionary? Parameter { get; set; }

    /// <summary>Replace the whole configuration with -Configuration (PUT /config): keys not in it are removed.</summary>
    [Parameter(ParameterSetName = "Replace", Mandatory = true)]
    public SwitchParameter Replace { get; set; }

    /// <summary>The complete configuration document for -Replace.</summary>
    [Parameter(ParameterSetName = "Replace", Mandatory = true)]
    [ValidateNotNull]
    public IDictionary? Configuration { get; set; }

    /// <summary>With -Replace: do not ask the extra question (ShouldContinue).</summary>
    [Parameter(ParameterSetName = "Replace")]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        JsonObject document = Document();
        if (document.Count == 0)
            throw Terminate(ErrorRecords.ConfigurationEmpty());
        PatroniSession session = ResolveSession();
        bool replace = Replace;
        ConfigUpdate preview = RunApi(session, "Patroni configuration",
            (api, _, _, ct) => ClusterConfiguration.PreviewAsync(api, document, replace, ct));
        var real = preview.Changes.Where(c => c.Kind != ConfigChangeKind.Unchanged).ToList();
        string diff = real.Count == 0 ? "no change"
            : string.Join("; ", real.Select(c => $"{c.Path}: {c.OldValue ?? "(unset)"} -> {c.NewValue ?? "(removed)"}" +
                (preview.RestartRequired.Contains(c.ParameterName ?? "") ? " (needs a restart)" : "")));
        foreach (ConfigChange c in real)
            WriteVerbose($"{c.Kind} {c.Path}: {c.OldValue ?? "(unset)"} -> {c.NewValue ?? "(removed)"}" +
                (preview.RestartRequired.Contains(c.ParameterName ?? "") ? " (needs a restart)" : ""));
        string target = ChangeSupport.Describe(session, "none");
        if (!ShouldProcess(target, (replace ? "Replace the whole configuration (PUT /config): " : "Change the configuration: ") + diff))
            return;
        if (replace && !Force && !ShouldContinue(
                $"Every key of the current configuration that -Configuration does not hold will be removed ({diff}). Continue?",
                "Replace the Patroni configuration"))
            return;
        PatroniDynamicConfig after = RunApi(session, "Patroni configuration",
            async (api, _, _, ct) =>
            {
                PatroniDynamicConfig c = await ClusterConfiguration.SendAsync(api, document, replace, ct).ConfigureAwait(false);
                await api.RefreshSessionAsync(ct).ConfigureAwait(false);
                return c;
            });
        WriteVerbose($"Patroni applied the change; loop_wait is {after.LoopWait?.ToString() ?? "unset"} s, after which " +
            "every member has it. Settings that need a restart show as PendingRestart in Get-PatroniTopology -Extended.");
        foreach (ConfigChange c in preview.Changes)
            WriteObject(new PatroniConfigurationChange(c, preview.RestartRequired.Contains(c.ParameterName ?? ""),
                applied: c.Kind != ConfigChangeKind.Unchanged));
    }

    private JsonObject Document()
    {
        if (Replace)
            return ConfigDiff.ToJson(Plain(Configuration!));
        var values = Setting is null ? new Dictionary<string, object?>() : Plain(Setting);
        if (Parameter is not null)
        {
            var pg = values.TryGetValue("postgresql", out object? p) && p is Dictionary<string, object?> d ? d : new Dictionary<string, object?>();
            var parameters = pg.TryGetValue("parameters", out object? q) && q is Dictionary<string, object?> e ? e : new Dictionary<string, object?>();
            foreach (var (k, v) in Plain(Parameter))
                parameters[k] = v;
            pg["parameters"] = parameters;
            values["postgresql"] = pg;
        }
        return ConfigDiff.ToJson(values);
    }

    /// <summary>Hashtables with PowerShell-wrapped values as plain .NET dictionaries (keys as text).</summary>
    private static Dictionary<string, object?> Plain(IDictionary d)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in d)
            result[Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)!] = Unwrap(e.Value);
        return result;
    }

    private static object? Unwrap(object? v) => v switch
    {
        PSObject p when p.BaseObject is PSCustomObject => p.Properties.ToDictionary(x => x.Name, x => Unwrap(x.Value)),
        PSObject p => Unwrap(p.BaseObject),
        IDictionary d => Plain(d),
        string s => s,
        IEnumerable e => e.Cast<object?>().Select(Unwrap).ToList(),
        _ => v,
    };
}
