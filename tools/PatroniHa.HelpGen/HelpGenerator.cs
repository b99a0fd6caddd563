using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Runtime.Loader;

namespace PatroniHa.HelpGen;

/// <summary>One cmdlet's help, merged from the code, the XML doc comments and its module/help file.</summary>
public sealed class CommandHelp
{
    public required CmdletModel Cmdlet { get; init; }

    public required List<string> Synopsis { get; init; }

    public required List<string> Description { get; init; }

    /// <summary>Parameter name -> paragraphs.</summary>
    public required Dictionary<string, List<string>> ParameterText { get; init; }

    /// <summary>Parameter name -> default value text that replaces the one read from the code.</summary>
    public required Dictionary<string, string> DefaultOverrides { get; init; }

    public required List<TypeText> Inputs { get; init; }

    public required List<TypeText> Outputs { get; init; }

    public required List<string> Notes { get; init; }

    public required List<ExampleText> Examples { get; init; }

    public required List<LinkText> Links { get; init; }
}

public sealed class HelpGenerator(Log log)
{
    private static readonly Dictionary<string, string> CommonSwitchText = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
        ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
    };

    public void Generate(string assemblyPath, string? xmlDocPath, string sourceDirectory, string manifestPath, string outputPath)
    {
        List<string> manifestNames = ReadManifestCmdlets(manifestPath);
        List<CmdletModel> cmdlets = LoadCmdlets(assemblyPath);
        XmlDocs docs = XmlDocs.Load(xmlDocPath, log);
        Dictionary<string, HelpSource> sources = LoadSources(sourceDirectory);

        foreach (string name in manifestNames.Where(n => cmdlets.All(c => !c.Name.Equals(n, StringComparison.OrdinalIgnoreCase))))
        {
            log.Warning(Log.MissingFromAssembly,
                $"{name} is exported by the manifest but not implemented in {Path.GetFileName(assemblyPath)}: no help written for it",
                manifestPath);
        }
        foreach (CmdletModel cmdlet in cmdlets.Where(c => !manifestNames.Contains(c.Name, StringComparer.OrdinalIgnoreCase)))
            log.Info($"{cmdlet.Name} is in the assembly but not exported by the manifest; help written anyway");
        foreach (HelpSource source in sources.Values.Where(s =>
                     cmdlets.All(c => !c.Name.Equals(s.CommandName, StringComparison.OrdinalIgnoreCase))
                     && !manifestNames.Contains(s.CommandName, StringComparer.OrdinalIgnoreCase)))
        {
            log.Warning(Log.StaleSource, $"help text for {source.CommandName}, which is neither in the manifest nor in the assembly", source.File);
        }

        var help = cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => Merge(c, sources.GetValueOrDefault(c.Name), docs, sourceDirectory))
            .ToList();

        Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
        string temp = outputPath + ".tmp";
        MamlWriter.Write(temp, help);
        File.Move(temp, outputPath, overwrite: true);
        log.Info($"{outputPath}: {help.Count} cmdlets, {help.Sum(h => h.Examples.Count)} examples");
    }

    private CommandHelp Merge(CmdletModel cmdlet, HelpSource? source, XmlDocs docs, string sourceDirectory)
    {
        string file = source?.File ?? Path.Combine(sourceDirectory, cmdlet.Name + ".md");
        if (source is null)
            log.Warning(Log.NoHelpSource, $"{cmdlet.Name} has no help text: create {cmdlet.Name}.md (see README.md there)", file);

        string? classSummary = docs.Summary(cmdlet.Type);
        var synopsis = source?.Synopsis.Count > 0 ? source.Synopsis
            : classSummary is not null ? [FirstSentence(classSummary)] : [];
        var description = source?.Description.Count > 0 ? source.Description
            : classSummary is not null ? [classSummary] : [];
        if (synopsis.Count == 0)
            log.Warning(Log.MissingSection, $"{cmdlet.Name}: no synopsis ('## Synopsis')", file);
        if (description.Count == 0)
            log.Warning(Log.MissingSection, $"{cmdlet.Name}: no description ('## Description')", file);
        if (source is not null && source.Examples.Count == 0)
            log.Warning(Log.MissingSection, $"{cmdlet.Name}: no examples ('## Examples' with '### ' headings)", file);

        if (cmdlet.SupportsShouldProcess)
        {
            int order = cmdlet.Parameters.Max(p => p.Order) + 1;
            cmdlet.Parameters.Add(ParameterModel.Common("WhatIf", "wi", order));
            cmdlet.Parameters.Add(ParameterModel.Common("Confirm", "cf", order + 1));
        }

        var parameterText = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (ParameterModel parameter in cmdlet.Parameters)
        {
            var paragraphs = new List<string>();
            if (parameter.Property is not null && docs.Summary(parameter.Property) is { } summary)
                paragraphs.Add(summary);
            if (source?.Parameters.GetValueOrDefault(parameter.Name) is { } text)
            {
                paragraphs.AddRange(text.Paragraphs);
                if (text.DefaultValue is not null)
                    defaults[parameter.Name] = text.DefaultValue;
            }
            if (paragraphs.Count == 0 && CommonSwitchText.TryGetValue(parameter.Name, out string? common))
                paragraphs.Add(common);
            if (paragraphs.Count == 0)
            {
                log.Warning(Log.NoParameterDescription,
                    $"{cmdlet.Name} -{parameter.Name} has no description: add a /// <summary> to the property or '### -{parameter.Name}' under '## Parameters'",
                    file);
            }
            parameterText[parameter.Name] = paragraphs;
        }
        foreach (string name in source?.Parameters.Keys ?? Enumerable.Empty<string>())
        {
            if (cmdlet.Parameters.All(p => !p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                log.Warning(Log.UnknownParameter, $"{cmdlet.Name} has no parameter -{name} (text under '## Parameters' is stale)", file);
        }

        return new CommandHelp
        {
            Cmdlet = cmdlet,
            Synopsis = synopsis,
            Description = description,
            ParameterText = parameterText,
            DefaultOverrides = defaults,
            Inputs = source?.Inputs.Count > 0 ? source.Inputs : DeriveInputs(cmdlet),
            Outputs = source?.Outputs.Count > 0 ? source.Outputs : DeriveOutputs(cmdlet),
            Notes = source?.Notes ?? [],
            Examples = source?.Examples ?? [],
            Links = source?.Links ?? [],
        };
    }

    private static List<TypeText> DeriveInputs(CmdletModel cmdlet)
    {
        var inputs = new List<TypeText>();
        foreach (ParameterModel p in cmdlet.Parameters.Where(p => p.Sets.Values.Any(m => m.ByValue)))
            inputs.Add(new TypeText(p.Type.FullName!, [$"You can pipe a value for -{p.Name} to this cmdlet."]));
        var byName = cmdlet.Parameters.Where(p => p.Sets.Values.Any(m => m.ByPropertyName && !m.ByValue)).Select(p => p.Name).ToList();
        if (byName.Count > 0)
        {
            inputs.Add(new TypeText("System.Management.Automation.PSObject",
                [$"Objects with a property named {string.Join(", ", byName)} bind to the parameter of that name."]));
        }
        return inputs.Count > 0 ? inputs : [new TypeText("None", ["This cmdlet takes no pipeline input."])];
    }

    private static List<TypeText> DeriveOutputs(CmdletModel cmdlet) =>
        cmdlet.OutputTypes.Count > 0
            ? cmdlet.OutputTypes.Select(t => new TypeText(t, [])).ToList()
            : [new TypeText("None", ["This cmdlet writes no objects to the pipeline."])];

    private static string FirstSentence(string text)
    {
        int end = text.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? text : text[..(end + 1)];
    }

    private Dictionary<string, HelpSource> LoadSources(string directory)
    {
        var sources = new Dictionary<string, HelpSource>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(directory))
            throw new HelpGenException($"the help source folder {directory} does not exist");
        foreach (string file in Directory.EnumerateFiles(directory, "*-*.md").Order(StringComparer.Ordinal))
        {
            HelpSource source = HelpSource.Parse(file, log);
            sources[source.CommandName] = source;
        }
        return sources;
    }

    private static List<string> ReadManifestCmdlets(string manifestPath)
    {
        if (!File.Exists(manifestPath))
            throw new HelpGenException($"no module manifest at {manifestPath}");
        ScriptBlockAst ast = Parser.ParseFile(manifestPath, out _, out ParseError[] errors);
        if (errors.Length > 0)
            throw new HelpGenException($"the manifest does not parse: {errors[0].Message}", manifestPath);
        var table = ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) as HashtableAst
            ?? throw new HelpGenException("the manifest holds no hashtable", manifestPath);
        var data = (Hashtable)table.SafeGetValue();
        object? exports = data.Keys.Cast<object>().Where(k => "CmdletsToExport".Equals(k?.ToString(), StringComparison.OrdinalIgnoreCase))
            .Select(k => data[k]).FirstOrDefault();
        return exports switch
        {
            null => [],
            string s => [s],
            IEnumerable e => e.Cast<object>().Select(o => o.ToString()!).ToList(),
            _ => [exports.ToString()!],
        };
    }

    private static List<CmdletModel> LoadCmdlets(string assemblyPath)
    {
        if (!File.Exists(assemblyPath))
            throw new HelpGenException($"no cmdlet assembly at {assemblyPath} (build src/PatroniHa first)");
        // The module's own dependencies resolve from its build folder; System.Management.Automation (the module
        // compiles against PowerShellStandard's reference assembly) resolves to the real engine this tool ships.
        string directory = Path.GetDirectoryName(assemblyPath)!;
        var context = new AssemblyLoadContext("PatroniHa.HelpGen.Target");
        context.Resolving += (ctx, name) =>
        {
            if (name.Name == "System.Management.Automation")
                return typeof(PSCmdlet).Assembly;
            string candidate = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
        };
        Assembly assembly = context.LoadFromAssemblyPath(assemblyPath);
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types.Where(t => t is not null).ToArray()!;
        }
        return types.Select(CmdletModel.Read).Where(c => c is not null).Select(c => c!).ToList();
    }
}
