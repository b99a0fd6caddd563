using System.Text;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Expands ${VAR} and ${VAR:-default} (default used when VAR is unset or empty, as in a shell).
/// "$${" stays a literal "${"; any other '$' is left alone so a password like "pa$word" survives.
/// </summary>
internal static class VariableExpander
{
    /// <returns>The expanded text, or null with <paramref name="error"/> set (never quoting a value).</returns>
    public static string? Expand(string text, Func<string, string?> lookup, out string? error)
    {
        error = null;
        if (!text.Contains("${", StringComparison.Ordinal))
            return text;

        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                result.Append(text[i++]);
                continue;
            }
            if (text[i + 1] == '$' && i + 2 < text.Length && text[i + 2] == '{')
            {
                result.Append("${");
                i += 3;
                continue;
            }
            if (text[i + 1] != '{')
            {
                result.Append(text[i++]);
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                error = "'${' is not closed with '}'";
                return null;
            }
            var body = text[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? body : body[..separator];
            if (!DotEnvFile.IsVariableName(name))
            {
                error = "'${...}' must hold a variable name (letters, digits and '_'), optionally followed by ':-default'";
                return null;
            }
            var value = lookup(name);
            if (string.IsNullOrEmpty(value))
            {
                if (separator < 0)
                {
                    error = $"the variable {name} is not set or is empty (write ${{{name}:-default}} to give a default)";
                    return null;
                }
                value = body[(separator + 2)..];
            }
            result.Append(value);
            i = close + 1;
        }
        return result.ToString();
    }
}
