using System.Text;
using System.Text.RegularExpressions;

namespace PatroniHa.HelpGen;

/// <summary>
/// The hand-written part of one cmdlet's help: module/help/&lt;Cmdlet&gt;.md. The layout (see module/help/README.md):
/// <code>
/// # Verb-Noun
/// ## Synopsis            one sentence
/// ## Description         paragraphs, "- " lists, fenced code
/// ## Parameters          ### -Name: text added after the parameter's /// summary; "Default value: x" overrides the default shown
/// ## Inputs / ## Outputs ### Type.Name: text (replaces what the generator derives from the code)
/// ## Notes
/// ## Examples            ### Example title: a ```powershell fence (the code), the other text is the remarks
/// ## Related links       - Command-Name | - [text](https://uri) | - about_Topic
/// </code>
/// </summary>
public sealed class HelpSource
{
    private static readonly string[] KnownSections =
        ["synopsis", "description", "parameters", "inputs", "outputs", "notes", "examples", "related links"];

    public required string File { get; init; }

    public required string CommandName { get; init; }

    public List<string> Synopsis { get; } = [];

    public List<string> Description { get; } = [];

    /// <summary>Keyed by parameter name without the dash, case-insensitive.</summary>
    public Dictionary<string, ParameterText> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<TypeText> Inputs { get; } = [];

    public List<TypeText> Outputs { get; } = [];

    public List<string> Notes { get; } = [];

    public List<ExampleText> Examples { get; } = [];

    public List<LinkText> Links { get; } = [];

    public static HelpSource Parse(string file, Log log)
    {
        string[] lines = System.IO.File.ReadAllText(file).Replace("\r\n", "\n").Split('\n');
        string? title = null;
        // section -> list of (subheading or null, body lines)
        var sections = new List<(string Section, List<(string? Sub, List<string> Body)> Parts)>();
        bool inFence = false;
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                inFence = !inFence;
            else if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                title = line[2..].Trim();
                continue;
            }
            else if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add((line[3..].Trim().ToLowerInvariant(), [(null, [])]));
                continue;
            }
            else if (!inFence && line.StartsWith("### ", StringComparison.Ordinal) && sections.Count > 0)
            {
                sections[^1].Parts.Add((line[4..].Trim(), []));
                continue;
            }
            if (sections.Count > 0)
                sections[^1].Parts[^1].Body.Add(raw.TrimEnd());
            else if (line.Length > 0 && title is not null)
                log.Warning(Log.Structure, $"text before the first '## ' section is ignored: '{line}'", file);
        }
        if (inFence)
            log.Warning(Log.Structure, "a ``` code fence is not closed", file);

        string expected = Path.GetFileNameWithoutExtension(file);
        if (title is null)
            log.Warning(Log.Structure, $"no '# {expected}' title", file);
        else if (!string.Equals(title, expected, StringComparison.OrdinalIgnoreCase))
            log.Warning(Log.Structure, $"the title '# {title}' does not match the file name ({expected}.md)", file);

        var source = new HelpSource { File = file, CommandName = expected };
        foreach (var (section, parts) in sections)
        {
            if (!KnownSections.Contains(section))
            {
                log.Warning(Log.Structure, $"unknown section '## {section}' (known: {string.Join(", ", KnownSections)})", file);
                continue;
            }
            List<string> intro = parts[0].Body;
            var subs = parts.Skip(1).ToList();
            switch (section)
            {
                case "synopsis":
                    source.Synopsis.AddRange(Text.Paragraphs(intro));
                    break;
                case "description":
                    source.Description.AddRange(Text.Paragraphs(AllBody(parts)));
                    break;
                case "notes":
                    source.Notes.AddRange(Text.Paragraphs(AllBody(parts)));
                    break;
                case "parameters":
                    foreach (var (sub, body) in subs)
                        source.AddParameter(sub!, body, log);
                    break;
                case "inputs":
                case "outputs":
                    var target = section == "inputs" ? source.Inputs : source.Outputs;
                    foreach (var (sub, body) in subs)
                        target.Add(new TypeText(Text.Inline(sub!), Text.Paragraphs(body)));
                    if (Text.Paragraphs(intro).FirstOrDefault() is { } none && subs.Count == 0)
                        target.Add(new TypeText(none, []));
                    break;
                case "examples":
                    foreach (var (sub, body) in subs)
                        source.AddExample(sub!, body, log);
                    break;
                case "related links":
                    source.AddLinks(AllBody(parts));
                    break;
            }
            if (section is "parameters" or "examples" && Text.Paragraphs(intro).Count > 0)
                log.Warning(Log.Structure, $"text under '## {section}' before the first '### ' is ignored", file);
        }
        return source;
    }

    private static List<string> AllBody(List<(string? Sub, List<string> Body)> parts)
    {
        var all = new List<string>();
        foreach (var (sub, body) in parts)
        {
            if (sub is not null)
                all.Add(sub);
            all.AddRange(body);
            all.Add("");
        }
        return all;
    }

    private void AddParameter(string heading, List<string> body, Log log)
    {
        string name = heading.Trim().TrimStart('-').Trim();
        if (name.Length == 0 || name.Contains(' '))
        {
            log.Warning(Log.Structure, $"'### {heading}' under Parameters should be '### -ParameterName'", File);
            return;
        }
        string? defaultValue = null;
        var rest = new List<string>();
        foreach (string line in body)
        {
            if (line.StartsWith("Default value:", StringComparison.OrdinalIgnoreCase))
                defaultValue = Text.Inline(line["Default value:".Length..].Trim());
            else
                rest.Add(line);
        }
        if (!Parameters.TryAdd(name, new ParameterText(name, Text.Paragraphs(rest), defaultValue)))
            log.Warning(Log.Structure, $"parameter -{name} is described twice", File);
    }

    private void AddExample(string heading, List<string> body, Log log)
    {
        string? code = null;
        var remarks = new List<string>();
        var pending = new List<string>();
        var fence = new StringBuilder();
        bool inFence = false;
        foreach (string line in body)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (!inFence)
                {
                    inFence = true;
                    fence.Clear();
                    continue;
                }
                inFence = false;
                string block = fence.ToString().TrimEnd('\n');
                if (code is null)
                {
                    code = block;
                }
                else
                {
                    remarks.AddRange(Text.Paragraphs(pending));
                    pending.Clear();
                    remarks.Add(block);
                }
                continue;
            }
            if (inFence)
                fence.Append(line).Append('\n');
            else
                pending.Add(line);
        }
        remarks.AddRange(Text.Paragraphs(pending));
        if (code is null)
            log.Warning(Log.Structure, $"example '{heading}' has no ```powershell code block", File);
        if (remarks.Count == 0)
            log.Warning(Log.Structure, $"example '{heading}' has no remarks: say what it does or shows, under the code", File);
        Examples.Add(new ExampleText(Text.Inline(heading), code ?? "", remarks));
    }

    private static readonly Regex MarkdownLink = new(@"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$", RegexOptions.Compiled);

    private void AddLinks(List<string> body)
    {
        foreach (string raw in body)
        {
            string line = raw.Trim();
            if (!line.StartsWith("- ", StringComparison.Ordinal) && !line.StartsWith("* ", StringComparison.Ordinal))
                continue;
            line = line[2..].Trim();
            Match m = MarkdownLink.Match(line);
            if (m.Success)
                Links.Add(new LinkText(m.Groups["text"].Value.Trim(), m.Groups["uri"].Value.Trim()));
            else
                Links.Add(new LinkText(Text.Inline(line), ""));
        }
    }
}

public sealed record ParameterText(string Name, List<string> Paragraphs, string? DefaultValue);

public sealed record TypeText(string TypeName, List<string> Paragraphs);

public sealed record ExampleText(string Title, string Code, List<string> Remarks);

public sealed record LinkText(string Text, string Uri);

/// <summary>Markdown to the plain paragraphs MAML holds.</summary>
public static class Text
{
    private static readonly Regex Link = new(@"\[(?<text>[^\]]+)\]\([^)]*\)", RegexOptions.Compiled);
    private static readonly Regex ListItem = new(@"^\s*(?:[-*]|\d+\.)\s+", RegexOptions.Compiled);

    /// <summary>
    /// Blank lines separate paragraphs; lines of a paragraph are joined with spaces. A list ("- ", "* ", "1. ")
    /// stays one paragraph with one line per item; a fenced block stays verbatim.
    /// </summary>
    public static List<string> Paragraphs(IEnumerable<string> lines)
    {
        var result = new List<string>();
        var current = new List<string>();
        bool isList = false;
        bool inFence = false;
        var fence = new StringBuilder();

        void Flush()
        {
            if (current.Count > 0)
                result.Add(string.Join(isList ? "\n" : " ", current));
            current.Clear();
            isList = false;
        }

        foreach (string raw in lines)
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (inFence)
                {
                    result.Add(fence.ToString().TrimEnd('\n'));
                    fence.Clear();
                }
                else
                {
                    Flush();
                }
                inFence = !inFence;
                continue;
            }
            if (inFence)
            {
                fence.Append(raw.TrimEnd()).Append('\n');
                continue;
            }
            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }
            if (ListItem.IsMatch(line))
            {
                if (!isList)
                    Flush();
                isList = true;
                current.Add(Inline(ListItem.Replace(line, "- ", 1).Trim()));
            }
            else if (line.StartsWith("|", StringComparison.Ordinal))
            {
                // A table: kept line by line (the separator row dropped).
                if (!isList)
                    Flush();
                isList = true;
                if (!Regex.IsMatch(line, @"^\|[\s:|-]+\|$"))
                    current.Add(Inline(line.Trim('|').Replace(" | ", "   ").Trim()));
            }
            else if (isList && char.IsWhiteSpace(raw[0]) && current.Count > 0)
            {
                current[^1] += " " + Inline(line.Trim());
            }
            else
            {
                if (isList)
                    Flush();
                current.Add(Inline(line.Trim()));
            }
        }
        if (inFence && fence.Length > 0)
            result.Add(fence.ToString().TrimEnd('\n'));
        Flush();
        return result;
    }

    /// <summary>Inline markdown to console text: links keep their text, emphasis and code marks go.</summary>
    public static string Inline(string text)
    {
        text = Link.Replace(text, m => m.Groups["text"].Value);
        text = text.Replace("**", "").Replace("`", "");
        return text;
    }
}
