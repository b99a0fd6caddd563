using System.Globalization;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Turns raw setting strings into typed values, collecting every problem instead of stopping at the first.
/// Each problem names the setting, where it came from and what is allowed; secrets are never quoted.
/// </summary>
internal sealed class SettingParser(string workingDirectory)
{
    private readonly List<string> _problems = [];
    private readonly List<string> _settings = [];

    public IReadOnlyList<string> Problems => _problems;

    public void Problem(SettingValue value, string message) =>
        Problem(value.Key, $"{value.Key} (from {value.Origin}): {message}");

    public void Problem(string key, string message)
    {
        _problems.Add(message);
        _settings.Add(key);
    }

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
            throw ConfigurationError.FromProblems(_problems, _settings);
    }

    public int Port(SettingValue? value, int fallback) =>
        Integer(value, 1, 65535, fallback, "a port number", "Use a whole number from 1 to 65535.");

    public int Integer(SettingValue? value, int min, int max, int fallback, string what, string allowed)
    {
        if (value is null)
            return fallback;
        if (!int.TryParse(value.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            Problem(value, $"{Quoted(value)} is not {what}. {allowed}");
            return fallback;
        }
        if (number < min || number > max)
        {
            Problem(value, $"{number} is out of range. {allowed}");
            return fallback;
        }
        return number;
    }

    /// <summary>A positive number of seconds (fractions allowed), at most <paramref name="maxSeconds"/>.</summary>
    public TimeSpan Seconds(SettingValue? value, TimeSpan fallback, double maxSeconds = 86400)
    {
        if (value is null)
            return fallback;
        var allowed = $"Use a positive number of seconds, at most {maxSeconds.ToString(CultureInfo.InvariantCulture)}.";
        if (!double.TryParse(value.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds))
        {
            Problem(value, $"{Quoted(value)} is not a number of seconds. {allowed}");
            return fallback;
        }
        if (seconds <= 0 || seconds > maxSeconds)
        {
            Problem(value, $"{seconds.ToString(CultureInfo.InvariantCulture)} is out of range. {allowed}");
            return fallback;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>ENABLE_PATRONI: the usual yes/no spellings, plus the YAML mode names.</summary>
    public ClusterMode? Mode(SettingValue value)
    {
        switch (value.Value.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "y" or "on" or "patroni-ha" or "patroniha" or "patroni":
                return ClusterMode.PatroniHa;
            case "false" or "0" or "no" or "n" or "off" or "single-node" or "singlenode":
                return ClusterMode.SingleNode;
            default:
                Problem(value, $"{Quoted(value)} is not a yes/no value. Use true/false, 1/0, yes/no or on/off "
                    + "(in YAML, memory.postgresql.mode: single-node or patroni-ha).");
                return null;
        }
    }

    /// <summary>libpq's sslmode spellings (and Npgsql's) mapped to Npgsql's SslMode names.</summary>
    public string SslMode(SettingValue? value, string fallback)
    {
        if (value is null)
            return fallback;
        var normalized = value.Value.Trim().Replace("-", "").Replace("_", "").ToLowerInvariant();
        string? mode = normalized switch
        {
            "disable" => "Disable",
            "allow" => "Allow",
            "prefer" => "Prefer",
            "require" => "Require",
            "verifyca" => "VerifyCA",
            "verifyfull" => "VerifyFull",
            _ => null,
        };
        if (mode is null)
            Problem(value, $"{Quoted(value)} is not an SSL mode. Use disable, allow, prefer, require, verify-ca or verify-full.");
        return mode ?? fallback;
    }

    /// <summary>A file that must exist; relative paths are taken from the working directory.</summary>
    public string? ExistingFile(SettingValue? value, string what)
    {
        if (value is null)
            return null;
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(value.Value.Trim(), workingDirectory);
        }
        catch (ArgumentException)
        {
            Problem(value, $"{Quoted(value)} is not a valid path. Give the path of the {what}.");
            return null;
        }
        if (!File.Exists(fullPath))
        {
            Problem(value, $"the {what} '{fullPath}' does not exist. Give the path of an existing PEM file.");
            return null;
        }
        return fullPath;
    }

    public static string Quoted(SettingValue value) => ConfigurationError.Quote(value.Key, value.Value.Trim());
}
