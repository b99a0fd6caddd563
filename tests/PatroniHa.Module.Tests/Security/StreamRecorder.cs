using System.Collections;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;

namespace PatroniHa.Module.Tests.Security;

/// <summary>
/// Runs scripts in a module runspace with every preference set to show everything, and keeps the text of
/// EVERY stream (output objects and their properties two levels deep, errors with their exception chains,
/// verbose, debug, warning, information, progress) for a secret scan.
/// </summary>
public sealed class StreamRecorder(PowerShellSession session)
{
    public List<string> Text { get; } = [];

    public ScriptResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using PowerShell ps = PowerShell.Create();
        ScriptResult result = session.Invoke(ps,
            "$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'; $WarningPreference = 'Continue'\n" + script,
            variables);
        foreach (PSObject o in result.Output)
            Describe(o, 0);
        foreach (ErrorRecord e in result.Errors)
            Describe(e);
        if (result.Terminating is { } terminating)
        {
            Describe(terminating.ErrorRecord);
            Text.Add(terminating.ToString());
        }
        Text.AddRange(ps.Streams.Verbose.Select(v => v.Message));
        Text.AddRange(ps.Streams.Debug.Select(v => v.Message));
        Text.AddRange(ps.Streams.Warning.Select(v => v.Message));
        Text.AddRange(ps.Streams.Information.Select(v => v.MessageData?.ToString() ?? ""));
        Text.AddRange(ps.Streams.Progress.Select(p => $"{p.Activity} {p.StatusDescription} {p.CurrentOperation}"));
        return result;
    }

    private void Describe(ErrorRecord e)
    {
        Text.Add(e.ToString());
        Text.Add(e.FullyQualifiedErrorId);
        Text.Add(e.CategoryInfo.ToString());
        Text.Add(e.ErrorDetails?.Message ?? "");
        Text.Add(e.TargetObject is null ? "" : string.Join(",", e.TargetObject is IEnumerable and not string
            ? ((IEnumerable)e.TargetObject).Cast<object?>() : [e.TargetObject]));
        Text.Add(e.ScriptStackTrace ?? "");
        for (Exception? ex = e.Exception; ex is not null; ex = ex.InnerException)
        {
            Text.Add(ex.ToString());
            foreach (DictionaryEntry d in ex.Data)
                Text.Add($"{d.Key}={d.Value}");
        }
    }

    private void Describe(object? value, int depth)
    {
        if (value is null)
            return;
        PSObject o = PSObject.AsPSObject(value);
        object baseObject = o.BaseObject;
        Text.Add(o.ToString());
        if (depth >= 3 || baseObject is string || baseObject.GetType().IsPrimitive)
            return;
        if (baseObject is IEnumerable items and not IDictionary)
        {
            foreach (object? item in items)
                Describe(item, depth + 1);
            return;
        }
        foreach (PSPropertyInfo p in o.Properties)
        {
            object? v;
            try
            {
                v = p.Value;
            }
            catch (Exception ex)
            {
                Text.Add(ex.ToString());
                continue;
            }
            Text.Add($"{p.Name}={v}");
            if (v is not null && v is not System.Security.SecureString)
                Describe(v, depth + 1);
        }
    }
}
