using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Tab completion of -Candidate: the members of the -Session (or default) session's cluster, replicas first
/// (the leader last: switching over to it is refused).
/// </summary>
public sealed class MemberNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        PatroniSession? session = ResolveSession(fakeBoundParameters);
        if (session is null || !session.IsConnected || session.Engine.Backend.Topology is not { } snapshot)
            yield break;
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (PatroniMember m in snapshot.Members.OrderBy(m => m.IsLeader).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!m.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                continue;
            string tip = $"{m.Name} {m.Address} {m.Role} {m.State}{(m.LagBytes is { } lag ? $" lag {lag} B" : "")}{(m.NoFailover ? " nofailover" : "")}";
            yield return new CompletionResult(CompletionText.Quote(m.Name), m.Name, CompletionResultType.ParameterValue, tip);
        }
    }

    private static PatroniSession? ResolveSession(IDictionary fakeBoundParameters)
    {
        SessionRegistry? registry = SessionRegistry.ForCurrentRunspace();
        object? value = fakeBoundParameters.Contains("Session") ? fakeBoundParameters["Session"] : null;
        if (value is PSObject ps)
            value = ps.BaseObject;
        return value switch
        {
            PatroniSession s => s,
            string name => registry?.Find(name),
            _ => registry?.Default,
        };
    }
}
