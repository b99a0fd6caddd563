using PatroniHa.HelpGen;

// PatroniHa.HelpGen --assembly <PatroniHa.dll> --source <module/help> --manifest <PatroniHa.psd1> --output <file>
//                   [--xmldoc <PatroniHa.xml>] [--strict]
// Writes MAML help for every cmdlet of the assembly. Problems with the text (a cmdlet of the manifest missing
// from the assembly, a cmdlet without help text, a parameter without a description, text for a parameter that
// does not exist) are warnings in MSBuild's format, or errors with --strict. Exit code 1 on errors.
var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
var flags = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
for (int i = 0; i < args.Length; i++)
{
    string arg = args[i];
    if (!arg.StartsWith("--", StringComparison.Ordinal))
        return Usage($"unexpected argument '{arg}'");
    if (arg is "--strict")
        flags.Add(arg[2..]);
    else if (i + 1 < args.Length)
        options[arg[2..]] = args[++i];
    else
        return Usage($"{arg} needs a value");
}
foreach (string required in new[] { "assembly", "source", "manifest", "output" })
{
    if (!options.ContainsKey(required))
        return Usage($"--{required} is required");
}

var log = new Log(flags.Contains("strict"));
try
{
    var generator = new HelpGenerator(log);
    generator.Generate(
        assemblyPath: Path.GetFullPath(options["assembly"]),
        xmlDocPath: options.TryGetValue("xmldoc", out string? xml) ? Path.GetFullPath(xml) : null,
        sourceDirectory: Path.GetFullPath(options["source"]),
        manifestPath: Path.GetFullPath(options["manifest"]),
        outputPath: Path.GetFullPath(options["output"]));
}
catch (HelpGenException ex)
{
    log.Error(ex.Message, ex.File);
}
return log.Errors > 0 ? 1 : 0;

static int Usage(string problem)
{
    Console.Error.WriteLine($"PatroniHa.HelpGen: error HELPGEN000: {problem}");
    Console.Error.WriteLine("usage: PatroniHa.HelpGen --assembly <dll> --source <dir> --manifest <psd1> --output <file> [--xmldoc <xml>] [--strict]");
    return 2;
}
