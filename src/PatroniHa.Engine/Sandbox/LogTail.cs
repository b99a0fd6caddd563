namespace PatroniHa.Engine.Sandbox;

/// <summary>Last lines of log files, for error messages (the files go away with the sandbox).</summary>
internal static class LogTail
{
    public const int DefaultLines = 20;

    public static string Of(string file, int lines = DefaultLines)
    {
        string[] all;
        try
        {
            // Share with the writers that still have the file open.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--- {file}: not readable ({e.Message}) ---";
        }
        var tail = all.Skip(Math.Max(0, all.Length - lines));
        return $"--- last lines of {file} ---{Environment.NewLine}{string.Join(Environment.NewLine, tail)}";
    }

    public static string Of(IEnumerable<string> files, int lines = DefaultLines) =>
        string.Join(Environment.NewLine, files.Select(f => Of(f, lines)));
}
