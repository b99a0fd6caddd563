using PatroniHa.Configuration;
using System.Management.Automation.Runspaces;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Execution.Transactions;
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

    /// <summary>
    /// Stands in for a name given to -Session that names none of this runspace's sessions, so the cmdlet (not the
    /// parameter binder, whose error id cannot be chosen) reports it as PatroniSessionNotFound. It never leaves the
    /// cmdlet: <see cref="Commands.PatroniCmdlet"/> refuses it before anything touches <see cref="Engine"/>.
    /// </summary>
    private PatroniSession(string unresolvedName)
    {
        Name = unresolvedName;
        UnresolvedName = unresolvedName;
        Engine = null!;
        Recipe = null!;
        ConnectedAt = DateTimeOffset.Now;
    }

    internal static PatroniSession Unresolved(string name) => new(name);

    /// <summary>The name -Session was given when it named no session (see <see cref="Unresolved"/>); else null.</summary>
    internal string? UnresolvedName { get; }

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

    public bool IsConnected => UnresolvedName is null && !Engine.IsDisposed;

    /// <summary>The Patroni scope as the monitor last saw it; null in single-node mode.</summary>
    internal string? Scope => Engine.Backend.Topology?.Scope;

    /// <summary>The leader as the monitor last saw it; null in single-node mode or when there is none.</summary>
    internal string? Leader => Engine.Backend.Topology?.Leader?.Name;

    /// <summary>
    /// An LSN at or after the commit of this session's newest write, as 'X/Y@timeline' (Patroni mode). Hand it to
    /// another process's Invoke-PatroniQuery -ReadOnly -AfterLsn so its read sees the write.
    /// </summary>
    public string? LastCommitLsn => Engine.Reads.LastCommit?.ToString();

    public bool IsDefault { get; internal set; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Every write also writes a commit marker (Connect-PatroniCluster -TrackCommitOutcome).</summary>
    public bool TrackCommitOutcome => !Engine.IsDisposed && Engine.TracksCommitOutcome;

    // A class, not a tuple: a struct field of an engine type would make PowerShell load the engine while it
    // reflects over this public type, before the module's load context is set up.
    private Binding? _transaction;

    /// <summary>The transaction Invoke-PatroniTransaction runs in this runspace on this session, if any.</summary>
    internal TransactionAttempt? TransactionInThisRunspace() =>
        _transaction is { } t && ReferenceEquals(t.Owner, Runspace.DefaultRunspace) ? t.Attempt : null;

    /// <summary>
    /// Makes <paramref name="attempt"/> the transaction of this runspace's queries until the returned scope ends;
    /// null when the session already runs one (from another runspace).
    /// </summary>
    internal IDisposable? EnterTransaction(TransactionAttempt attempt)
    {
        var binding = new Binding(Runspace.DefaultRunspace, attempt);
        if (Interlocked.CompareExchange(ref _transaction, binding, null) is not null)
            return null;
        return new Leave(this);
    }

    private sealed class Binding(Runspace owner, TransactionAttempt attempt)
    {
        public Runspace Owner { get; } = owner;
        public TransactionAttempt Attempt { get; } = attempt;
    }

    private sealed class Leave(PatroniSession session) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref session._transaction, null);
    }

    public override string ToString() => UnresolvedName ?? $"{Name} ({Mode})";
}
