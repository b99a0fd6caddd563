using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PatroniHa.Module.Tests.Infrastructure;

/// <summary>
/// A real PowerShell runspace (System.Management.Automation hosted in-process) with the built module
/// imported. Keeps every stream of every script it runs, so tests can check errors and scan for secrets.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession()
    {
        if (!File.Exists(ModulePaths.ModuleManifest))
            throw new InvalidOperationException($"The module is not built: {ModulePaths.ModuleManifest} is missing (dotnet build PatroniHaModule.sln).");
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModulePaths.ModuleManifest);
        state.ThrowOnRunspaceOpenError = true;
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
    }

    public Runspace Runspace => _runspace;

    /// <summary>Everything every script wrote, stream by stream, as text (for secret scans).</summary>
    public List<string> Transcript { get; } = [];

    public ScriptResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using PowerShell ps = PowerShell.Create();
        ScriptResult result = Invoke(ps, script, variables);
        Transcript.AddRange(result.AllText());
        return result;
    }

    /// <summary>Runs <paramref name="script"/> on <paramref name="ps"/> in this runspace; every stream stays on ps.</summary>
    internal ScriptResult Invoke(PowerShell ps, string script, IDictionary<string, object?>? variables)
    {
        ps.Runspace = _runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            _runspace.SessionStateProxy.SetVariable(name, value);
        ps.AddScript(script);
        List<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = ps.Invoke().ToList();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
            output = [];
        }
        return new ScriptResult(output, ps.Streams.Error.ToList(), terminating,
            ps.Streams.Verbose.Select(v => v.Message).ToList(), ps.Streams.Warning.Select(w => w.Message).ToList());
    }

    /// <summary>Runs and expects no error at all.</summary>
    public List<PSObject> Ok(string script, IDictionary<string, object?>? variables = null)
    {
        ScriptResult result = Run(script, variables);
        result.ThrowIfFailed(script);
        return result.Output;
    }

    public void Dispose()
    {
        try
        {
            Run("Get-PatroniSession | Disconnect-PatroniCluster");
        }
        catch
        {
        }
        _runspace.Dispose();
    }
}

public sealed record ScriptResult(
    List<PSObject> Output,
    List<ErrorRecord> Errors,
    RuntimeException? Terminating,
    List<string> Verbose,
    List<string> Warnings)
{
    /// <summary>The terminating error's record, else the first non-terminating one.</summary>
    public ErrorRecord? FirstError => Terminating?.ErrorRecord ?? Errors.FirstOrDefault();

    public void ThrowIfFailed(string script)
    {
        if (FirstError is { } e)
            throw new InvalidOperationException($"Script failed: {script}\n{e.FullyQualifiedErrorId}: {e.Exception.Message}", e.Exception);
    }

    public IEnumerable<string> AllText() =>
        Output.Select(o => o?.ToString() ?? "")
            .Concat(Output.SelectMany(PropertyTexts))
            .Concat(Errors.SelectMany(ErrorTexts))
            .Concat(Terminating is null ? [] : ErrorTexts(Terminating.ErrorRecord))
            .Concat(Verbose)
            .Concat(Warnings);

    private static IEnumerable<string> PropertyTexts(PSObject? o) =>
        o is null ? [] : o.Properties.Select(p =>
        {
            try
            {
                return $"{p.Name}={p.Value}";
            }
            catch (Exception ex)
            {
                return ex.Message;
            }
        });

    private static IEnumerable<string> ErrorTexts(ErrorRecord e)
    {
        yield return e.ToString();
        yield return e.FullyQualifiedErrorId;
        yield return e.TargetObject?.ToString() ?? "";
        for (Exception? ex = e.Exception; ex is not null; ex = ex.InnerException)
            yield return ex.ToString();
    }
}
