using System.Management.Automation;

namespace PatroniHa.Module.Tests.Infrastructure;

/// <summary>
/// A sandbox cluster started through the module's own Start-PatroniSandbox in a runspace kept only for it
/// (sandboxes end with the runspace that started them). Dispose stops it.
/// </summary>
public sealed class OwnedSandbox : IDisposable
{
    private readonly PowerShellSession _owner = new();

    /// <param name="startScript">A Start-PatroniSandbox command line.</param>
    public OwnedSandbox(string startScript, IDictionary<string, object?>? variables = null)
    {
        ScriptResult result = _owner.Run(startScript, variables);
        if (result.FirstError is { } error)
        {
            _owner.Dispose();
            throw new InvalidOperationException(
                $"Could not start the sandbox ({startScript}) ({error.FullyQualifiedErrorId}): {error.Exception.Message}");
        }
        Info = result.Output.Single();
    }

    /// <summary>The PatroniSandboxInfo object.</summary>
    public PSObject Info { get; }

    public string[] ApiEndpoints => (string[])Info.Properties["ApiEndpoint"].Value;

    public PSCredential Credential => (PSCredential)Info.Properties["Credential"].Value;

    public string Path => (string)Info.Properties["Path"].Value;

    /// <summary>Each member's PgPort or ApiPort.</summary>
    public static int[] MemberPorts(PSObject info, string property) =>
        ((object[])info.Properties["Members"].Value)
            .Select(m => (int)PSObject.AsPSObject(m).Properties[property].Value).ToArray();

    public void Dispose()
    {
        _owner.Run("Stop-PatroniSandbox -Confirm:$false");
        _owner.Dispose();
    }
}
