using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text.RegularExpressions;

namespace PatroniHa.Shell;

/// <summary>Writes every stream to the console; never prompts (it runs unattended).</summary>
internal sealed partial class ConsoleHostUserInterface : PSHostUserInterface
{
    private readonly ConsoleRawUserInterface _raw = new();

    // Colour escapes only where a terminal shows them; plain text in files and CI logs.
    private static readonly bool s_plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null;

    public override PSHostRawUserInterface RawUI => _raw;

    public override void Write(string value) => Console.Write(Plain(value));
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Write(Plain(value));
    public override void WriteLine(string value) => Console.WriteLine(Plain(value));
    public override void WriteErrorLine(string value) => Console.Error.WriteLine(Plain(value));

    private static string Plain(string text) => s_plain ? AnsiEscape().Replace(text, "") : text;

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
    public override void WriteDebugLine(string message) => Console.WriteLine("DEBUG: " + message);
    public override void WriteVerboseLine(string message) => Console.WriteLine("VERBOSE: " + message);
    public override void WriteWarningLine(string message) => Console.WriteLine("WARNING: " + message);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        if (record.RecordType != ProgressRecordType.Completed)
            Console.Error.WriteLine($"... {record.Activity}: {record.StatusDescription}");
    }

    public override string ReadLine() => throw Unattended();
    public override SecureString ReadLineAsSecureString() => throw Unattended();
    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw Unattended();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw Unattended();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw Unattended();
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw Unattended();

    private static PSInvalidOperationException Unattended() =>
        new("patroniha-shell runs unattended and cannot prompt; pass the value as a parameter (or -Confirm:$false).");
}

internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
{
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize { get; set; } = new(Width(), 9999);
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; }
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => BufferSize;
    public override Size MaxWindowSize => BufferSize;
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize { get; set; } = new(Width(), 50);
    public override string WindowTitle { get; set; } = "patroniha-shell";

    private static int Width()
    {
        try
        {
            return Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 160;
        }
    }

    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
}
