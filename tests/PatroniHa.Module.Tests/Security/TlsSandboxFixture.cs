using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Security;

/// <summary>
/// A 2-member sandbox with TLS on PostgreSQL (hostssl only) and on the REST API (https, throwaway CA), and
/// REST basic auth, started through Start-PatroniSandbox -Tls -ApiCredential.
/// </summary>
public sealed class TlsSandboxFixture : IDisposable
{
    private readonly PowerShellSession _owner;

    public TlsSandboxFixture()
    {
        _owner = new PowerShellSession();
        ApiPassword = "api-" + Guid.NewGuid().ToString("N");
        ApiCredential = TestCredentials.Create("patroni-admin", ApiPassword);
        ScriptResult result = _owner.Run("Start-PatroniSandbox -Nodes 2 -Name tlssec -Tls -ApiCredential $api",
            new Dictionary<string, object?> { ["api"] = ApiCredential });
        if (result.FirstError is { } error)
        {
            _owner.Dispose();
            throw new InvalidOperationException(
                $"Could not start the TLS sandbox ({error.FullyQualifiedErrorId}): {error.Exception.Message}");
        }
        Sandbox = result.Output.Single();
        ApiEndpoints = (string[])Sandbox.Properties["ApiEndpoint"].Value;
        Credential = (PSCredential)Sandbox.Properties["Credential"].Value;
        CaPath = (string)Sandbox.Properties["CaCertificatePath"].Value;
        PgPorts = ((object[])Sandbox.Properties["Members"].Value)
            .Select(m => (int)PSObject.AsPSObject(m).Properties["PgPort"].Value).ToArray();
    }

    public PSObject Sandbox { get; }
    public string[] ApiEndpoints { get; }
    public PSCredential Credential { get; }
    public string Password => Credential.GetNetworkCredential().Password;
    public PSCredential ApiCredential { get; }
    public string ApiPassword { get; }
    public string CaPath { get; }
    public int[] PgPorts { get; }

    public Dictionary<string, object?> Variables() => new()
    {
        ["endpoints"] = ApiEndpoints,
        ["cred"] = Credential,
        ["api"] = ApiCredential,
        ["ca"] = CaPath,
        ["sandbox"] = Sandbox,
    };

    public void Dispose()
    {
        _owner.Run("Stop-PatroniSandbox -Confirm:$false");
        _owner.Dispose();
    }
}

/// <summary>Runs alone (never beside the shared sandbox): one cluster at a time on these machines.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TlsSandboxCollection : ICollectionFixture<TlsSandboxFixture>
{
    public const string Name = "TLS sandbox cluster";
}

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
        ps.Runspace = session.Runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            session.Runspace.SessionStateProxy.SetVariable(name, value);
        ps.AddScript("$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'; $WarningPreference = 'Continue'\n" + script);
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
            output = [];
        }
        foreach (PSObject o in output)
            Describe(o, 0);
        foreach (ErrorRecord e in ps.Streams.Error)
            Describe(e);
        if (terminating is not null)
        {
            Describe(terminating.ErrorRecord);
            Text.Add(terminating.ToString());
        }
        Text.AddRange(ps.Streams.Verbose.Select(v => v.Message));
        Text.AddRange(ps.Streams.Debug.Select(v => v.Message));
        Text.AddRange(ps.Streams.Warning.Select(v => v.Message));
        Text.AddRange(ps.Streams.Information.Select(v => v.MessageData?.ToString() ?? ""));
        Text.AddRange(ps.Streams.Progress.Select(p => $"{p.Activity} {p.StatusDescription} {p.CurrentOperation}"));
        return new ScriptResult(output.ToList(), ps.Streams.Error.ToList(), terminating,
            ps.Streams.Verbose.Select(v => v.Message).ToList(), ps.Streams.Warning.Select(w => w.Message).ToList());
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
