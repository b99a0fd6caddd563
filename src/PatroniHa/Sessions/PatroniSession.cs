using PatroniHa.Configuration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Sessions;

namespace PatroniHa.Sessions;

/// <summary>
/// A connected session as PowerShell users see it. Pass it to -Session, or let cmdlets use this
/// runspace's default. Holds no password: the credential stays inside the engine's options.
/// </summary>
public sealed class PatroniSession
{
    internal PatroniSession(string name, ClusterSession engine, ConnectionRecipe recipe)
    {
        Name = name;
        Engine = engine;
        Recipe = recipe;
        ConnectedAt = DateTimeOffset.Now;
    }

    internal ClusterSession Engine { get; }

    /// <summary>How it was connected; Switch-PatroniMode resolves the other mode from it.</summary>
    internal ConnectionRecipe Recipe { get; set; }

    public string Name { get; }

    /// <summary>PatroniHa or SingleNode.</summary>
    public string Mode => Engine.Mode.ToString();

    public string Database => Engine.Options.Database;

    public string? UserName => Engine.Options.Credential?.UserName;

    /// <summary>The Patroni REST endpoints as configured (Patroni mode).</summary>
    public string[] ApiEndpoint => Engine.Mode == ClusterMode.PatroniHa ? Engine.Options.Api.Endpoints.ToArray() : [];

    /// <summary>host:port of the server taking writes now, if one is known.</summary>
    public string? Primary => Engine.IsDisposed ? null : Engine.Backend.Writer?.Address;

    public bool IsConnected => !Engine.IsDisposed;

    /// <summary>The Patroni scope as the monitor last saw it; null in single-node mode.</summary>
    internal string? Scope => Engine.Backend is PatroniBackend p ? p.Monitor.Current?.Scope : null;

    /// <summary>The leader as the monitor last saw it; null in single-node mode or when there is none.</summary>
    internal string? Leader => Engine.Backend is PatroniBackend p ? p.Monitor.Current?.Leader?.Name : null;

    /// <summary>
    /// An LSN at or after the commit of this session's newest write, as 'X/Y@timeline' (Patroni mode). Hand it to
    /// another process's Invoke-PatroniQuery -ReadOnly -AfterLsn so its read sees the write.
    /// </summary>
    public string? LastCommitLsn => Engine.Reads.LastCommit?.ToString();

    public bool IsDefault { get; internal set; }

    public DateTimeOffset ConnectedAt { get; }

    public override string ToString() => $"{Name} ({Mode})";
}
