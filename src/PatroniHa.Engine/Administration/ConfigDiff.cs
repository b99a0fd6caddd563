using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PatroniHa.Engine.Administration;

public enum ConfigChangeKind
{
    Add,
    Change,
    Remove,
    Unchanged,
}

/// <summary>One setting a PATCH or PUT of /config changes; values are shown as Patroni compares them (text).</summary>
/// <param name="Path">Dotted path below the configuration root, e.g. postgresql.parameters.max_connections.</param>
public sealed record ConfigChange(string Path, string? OldValue, string? NewValue, ConfigChangeKind Kind)
{
    /// <summary>The PostgreSQL parameter's name when the path is under postgresql.parameters.</summary>
    public string? ParameterName => Path.StartsWith(ConfigDiff.ParametersPrefix, StringComparison.Ordinal)
        ? Path[ConfigDiff.ParametersPrefix.Length..]
        : null;
}

/// <summary>
/// Builds a PATCH/PUT body from .NET values and says what it changes against the current configuration, the way
/// Patroni merges it: nested objects merge key by key, null removes a key, anything else replaces the value.
/// </summary>
public static class ConfigDiff
{
    internal const string ParametersPrefix = "postgresql.parameters.";

    /// <summary>A JSON object from nested dictionaries (keys as given; values: null, text, numbers, booleans, lists).</summary>
    public static JsonObject ToJson(IReadOnlyDictionary<string, object?> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values)
            o[k] = ToNode(v);
        return o;
    }

    private static JsonNode? ToNode(object? v) => v switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or short or byte or uint or ulong or ushort or sbyte => JsonValue.Create(Convert.ToInt64(v, CultureInfo.InvariantCulture)),
        double or float or decimal => JsonValue.Create(Convert.ToDouble(v, CultureInfo.InvariantCulture)),
        IReadOnlyDictionary<string, object?> d => ToJson(d),
        IDictionary d => ToJson(d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture)!, k => d[k])),
        IEnumerable e => new JsonArray(e.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
    };

    /// <summary>What PATCH <paramref name="patch"/> changes in <paramref name="current"/>.</summary>
    public static IReadOnlyList<ConfigChange> ForPatch(JsonElement current, JsonObject patch)
    {
        var changes = new List<ConfigChange>();
        Patch(current, patch, "", changes);
        return changes;
    }

    /// <summary>What PUT <paramref name="replacement"/> changes: every leaf added, changed or removed.</summary>
    public static IReadOnlyList<ConfigChange> ForReplace(JsonElement current, JsonObject replacement)
    {
        var oldLeaves = Leaves(JsonNode.Parse(current.ValueKind == JsonValueKind.Object ? current.GetRawText() : "{}"), "");
        var newLeaves = Leaves(replacement, "");
        var changes = new List<ConfigChange>();
        foreach (var (path, value) in newLeaves)
            changes.Add(oldLeaves.TryGetValue(path, out string? old)
                ? new ConfigChange(path, old, value, old == value ? ConfigChangeKind.Unchanged : ConfigChangeKind.Change)
                : new ConfigChange(path, null, value, ConfigChangeKind.Add));
        foreach (var (path, old) in oldLeaves)
            if (!newLeaves.ContainsKey(path))
                changes.Add(new ConfigChange(path, old, null, ConfigChangeKind.Remove));
        return changes;
    }

    private static void Patch(JsonElement current, JsonObject patch, string prefix, List<ConfigChange> changes)
    {
        foreach (var (key, node) in patch)
        {
            string path = prefix + key;
            JsonElement? old = current.ValueKind == JsonValueKind.Object && current.TryGetProperty(key, out var o)
                && o.ValueKind != JsonValueKind.Null ? o : null;
            if (node is JsonObject sub && old is { ValueKind: JsonValueKind.Object } oldObject)
            {
                Patch(oldObject, sub, path + ".", changes);
                continue;
            }
            string? oldText = old is { } e ? Text(e) : null;
            if (node is null)
            {
                changes.Add(new ConfigChange(path, oldText, null, old is null ? ConfigChangeKind.Unchanged : ConfigChangeKind.Remove));
                continue;
            }
            string newText = Text(node);
            changes.Add(new ConfigChange(path, oldText, newText, old is null ? ConfigChangeKind.Add
                : oldText == newText ? ConfigChangeKind.Unchanged : ConfigChangeKind.Change));
        }
    }

    private static Dictionary<string, string?> Leaves(JsonNode? node, string prefix)
    {
        var leaves = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
                if (v is JsonObject)
                    foreach (var (p, t) in Leaves(v, prefix + k + "."))
                        leaves[p] = t;
                else if (v is not null)
                    leaves[prefix + k] = Text(v);
        }
        return leaves;
    }

    // Patroni compares values as text: 100 and "100" are the same setting.
    private static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => e.GetRawText(),
    };

    private static string Text(JsonNode n)
    {
        if (n is JsonValue v && v.TryGetValue(out string? s))
            return s;
        using JsonDocument d = JsonDocument.Parse(n.ToJsonString());
        return Text(d.RootElement);
    }
}
