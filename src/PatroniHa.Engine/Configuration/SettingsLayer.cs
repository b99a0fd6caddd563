namespace PatroniHa.Engine.Configuration;

/// <summary>
/// The settings one source supplies, by name (case-insensitive), each with its origin so an error can say
/// where a bad value came from. Blank values are dropped: an empty variable does not hide a lower layer.
/// </summary>
public sealed class SettingsLayer
{
    private readonly Dictionary<string, SettingValue> _values;

    public SettingsLayer(SettingsSourceKind kind, string source, IEnumerable<SettingValue> values,
        IEnumerable<string>? warnings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Kind = kind;
        Source = source;
        _values = new Dictionary<string, SettingValue>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value.Value))
                _values[value.Key] = value; // later entries win, as in a .env file
        }
        Warnings = warnings?.ToArray() ?? [];
    }

    /// <summary>A layer whose values all share the layer's source as origin.</summary>
    public SettingsLayer(SettingsSourceKind kind, string source, IEnumerable<KeyValuePair<string, string?>> values)
        : this(kind, source, values.Select(pair => new SettingValue(pair.Key, pair.Value ?? "", source)))
    {
    }

    public SettingsSourceKind Kind { get; }

    /// <summary>e.g. "environment", ".env file /app/.env", "YAML /app/config.yaml".</summary>
    public string Source { get; }

    public IReadOnlyDictionary<string, SettingValue> Values => _values;

    /// <summary>Things worth telling the user that are not errors (e.g. an unknown YAML key).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public bool TryGet(string key, out SettingValue value) => _values.TryGetValue(key, out value!);

    /// <summary>Raw value or null; handy as a variable lookup for YAML expansion.</summary>
    public string? this[string key] => _values.TryGetValue(key, out var value) ? value.Value : null;

    public override string ToString() => $"{Source} ({_values.Count} settings)";

    /// <summary>Start a layer of command-line parameters (or any other hand-built layer).</summary>
    public static SettingsLayerBuilder Builder(SettingsSourceKind kind = SettingsSourceKind.Parameter,
        string source = "parameters") => new(kind, source);
}

/// <summary>Builds a layer one setting at a time, each with its own origin ("parameter -MaxPoolSize").</summary>
public sealed class SettingsLayerBuilder(SettingsSourceKind kind, string source)
{
    private readonly List<SettingValue> _values = [];

    /// <summary>Adds the setting when <paramref name="value"/> is not null; returns this for chaining.</summary>
    public SettingsLayerBuilder Set(string key, string? value, string? origin = null)
    {
        if (value is not null)
            _values.Add(new SettingValue(key, value, origin ?? source));
        return this;
    }

    public SettingsLayerBuilder Set(string key, int? value, string? origin = null) =>
        Set(key, value?.ToString(System.Globalization.CultureInfo.InvariantCulture), origin);

    public SettingsLayerBuilder Set(string key, IEnumerable<string>? values, string? origin = null) =>
        Set(key, values is null ? null : string.Join(",", values), origin);

    public SettingsLayer Build() => new(kind, source, _values);
}
