using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PatroniHa.Sessions;

/// <summary>Tab completion of -Session with this runspace's session names.</summary>
public sealed class SessionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (PatroniSession session in SessionRegistry.ForCurrentRunspace()?.All ?? [])
        {
            if (session.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(CompletionText.Quote(session.Name), session.Name, CompletionResultType.ParameterValue, session.ToString());
        }
    }
}
