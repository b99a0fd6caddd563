namespace PatroniHa.Engine.Configuration;

/// <summary>The layers merged: for each name, the value from the highest-precedence layer that has it.</summary>
internal sealed class MergedSettings
{
    private readonly Dictionary<string, SettingValue> _values = new(StringComparer.OrdinalIgnoreCase);

    public MergedSettings(IEnumerable<SettingsLayer> layers)
    {
        // OrderByDescending is stable: among layers of one kind, the caller's order decides.
        foreach (var layer in layers.OrderByDescending(layer => layer.Kind))
        {
            foreach (var (key, value) in layer.Values)
                _values.TryAdd(key, value);
        }
    }

    public SettingValue? Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>The first of <paramref name="keys"/> that is set (e.g. PGUSER, then PATRONI_USER).</summary>
    public SettingValue? First(params string[] keys) =>
        keys.Select(Get).FirstOrDefault(value => value is not null);
}
