namespace PatroniHa.HelpGen;

/// <summary>A fatal problem: the assembly or a source file cannot be read at all.</summary>
public sealed class HelpGenException(string message, string? file = null) : Exception(message)
{
    public string? File { get; } = file;
}

/// <summary>
/// Diagnostics in MSBuild's canonical format ("file: warning CODE: text"), so the Exec task that runs the
/// generator shows them as build warnings (or errors) pointing at the help source file.
/// </summary>
public sealed class Log(bool strict)
{
    public const string MissingFromAssembly = "HELPGEN001";
    public const string NoHelpSource = "HELPGEN002";
    public const string NoParameterDescription = "HELPGEN003";
    public const string UnknownParameter = "HELPGEN004";
    public const string MissingSection = "HELPGEN005";
    public const string StaleSource = "HELPGEN006";
    public const string Structure = "HELPGEN007";

    public int Errors { get; private set; }

    public int Warnings { get; private set; }

    public void Warning(string code, string message, string? file = null)
    {
        if (strict)
        {
            Errors++;
            Write("error", code, message, file);
        }
        else
        {
            Warnings++;
            Write("warning", code, message, file);
        }
    }

    public void Error(string message, string? file = null)
    {
        Errors++;
        Write("error", "HELPGEN000", message, file);
    }

    public void Info(string message) => Console.WriteLine($"PatroniHa.HelpGen: {message}");

    private static void Write(string kind, string code, string message, string? file) =>
        Console.WriteLine($"{file ?? "PatroniHa.HelpGen"}: {kind} {code}: {message}");
}
