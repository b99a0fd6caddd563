using System.Text;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Reads a .env file the way python-dotenv and docker compose do: KEY=VALUE, optional "export ", '#'
/// comments (inline only after whitespace on unquoted values), single quotes literal, double quotes with
/// backslash escapes, quoted values may span lines. No ${VAR} interpolation: a '$' in a password stays.
/// Error messages name the file, line and key but never quote a line, since it may hold a password.
/// </summary>
public static class DotEnvFile
{
    public static SettingsLayer Parse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw ConfigurationError.Create($"The .env file '{fullPath}' does not exist.", fullPath);

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ConfigurationError.Create($"The .env file '{fullPath}' cannot be read: {e.Message}", fullPath);
        }
        return ParseText(text, $".env file {fullPath}", fullPath);
    }

    internal static SettingsLayer ParseText(string text, string source, string target)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var values = new List<SettingValue>();
        var problems = new List<string>();

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] == '#')
                continue;
            if (line.StartsWith("export", StringComparison.Ordinal) && line.Length > 6 && char.IsWhiteSpace(line[6]))
                line = line[7..].TrimStart();

            var equals = line.IndexOf('=');
            if (equals < 0)
            {
                problems.Add($"line {lineNumber}: expected KEY=VALUE.");
                continue;
            }
            var key = line[..equals].Trim();
            if (!IsVariableName(key))
            {
                problems.Add($"line {lineNumber}: the text before '=' is not a variable name "
                    + "(letters, digits and '_', not starting with a digit).");
                continue;
            }

            var startLine = lineNumber;
            var error = ReadValue(lines, ref i, line[(equals + 1)..], out var value);
            if (error is not null)
                problems.Add($"line {startLine}: {error} in the value of {key}.");
            else
                values.Add(new SettingValue(key, value, $"{source} line {startLine}"));
        }

        if (problems.Count > 0)
        {
            throw ConfigurationError.Create(
                $"The {source} cannot be read:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Select(p => "  " + p)), target);
        }
        return new SettingsLayer(SettingsSourceKind.DotEnvFile, source, values);
    }

    /// <summary>Reads the value after '='; may consume further lines for a multi-line quoted value.</summary>
    private static string? ReadValue(string[] lines, ref int lineIndex, string afterEquals, out string value)
    {
        var rest = afterEquals.TrimStart();
        if (rest.Length == 0 || (rest[0] != '"' && rest[0] != '\''))
        {
            value = StripInlineComment(afterEquals).Trim();
            return null;
        }

        var quote = rest[0];
        var builder = new StringBuilder();
        var text = rest;
        var position = 1;
        while (true)
        {
            for (; position < text.Length; position++)
            {
                var c = text[position];
                if (c == quote)
                {
                    value = builder.ToString();
                    var tail = text[(position + 1)..].TrimStart();
                    return tail.Length == 0 || tail[0] == '#' ? null : "unexpected text after the closing quote";
                }
                if (c == '\\' && quote == '"' && position + 1 < text.Length)
                {
                    builder.Append(Unescape(text[++position]));
                    continue;
                }
                builder.Append(c);
            }
            if (lineIndex + 1 >= lines.Length)
            {
                value = "";
                return $"a {(quote == '"' ? "double" : "single")} quote is opened but never closed";
            }
            builder.Append('\n');
            text = lines[++lineIndex];
            position = 0;
        }
    }

    private static string Unescape(char c) => c switch
    {
        'n' => "\n",
        'r' => "\r",
        't' => "\t",
        '"' => "\"",
        '\\' => "\\",
        '\'' => "'",
        _ => "\\" + c, // unknown escapes stay as written, like python-dotenv
    };

    // An inline comment needs whitespace before '#', so "pa#ss" keeps its '#'.
    private static string StripInlineComment(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '#' && i > 0 && char.IsWhiteSpace(value[i - 1]))
                return value[..i];
        }
        return value;
    }

    internal static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
