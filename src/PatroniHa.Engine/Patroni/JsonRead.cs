using System.Globalization;
using System.Text.Json;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// Lenient getters over JsonElement: a missing key, a null or a value of an unexpected type gives null
/// instead of an exception, because Patroni versions add, drop and re-type fields.
/// </summary>
internal static class JsonRead
{
    public static JsonElement? Prop(this JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v)
            && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? v
            : null;

    public static string? Str(this JsonElement obj, string name) => obj.Prop(name) switch
    {
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
        { ValueKind: JsonValueKind.True } => "true",
        { ValueKind: JsonValueKind.False } => "false",
        _ => null,
    };

    /// <summary>A whole number, also from numeric text ("30") as hand-written YAML config may hold.</summary>
    public static long? Long(this JsonElement obj, string name) => obj.Prop(name) switch
    {
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var l) => l,
        { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out var d) && double.IsFinite(d) => (long)d,
        { ValueKind: JsonValueKind.String } v when long.TryParse(v.GetString(), NumberStyles.Integer,
            CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    public static int? Int(this JsonElement obj, string name) =>
        obj.Long(name) is { } l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    /// <summary>true/false, also "on"/"off"/"true"/"yes" text as Patroni itself accepts.</summary>
    public static bool? Bool(this JsonElement obj, string name) => obj.Prop(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var l) => l != 0,
        { ValueKind: JsonValueKind.String } v => ParseBoolText(v.GetString()),
        _ => null,
    };

    public static bool? ParseBoolText(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" => true,
        "false" or "off" or "no" or "0" => false,
        _ => null,
    };

    /// <summary>Timestamps as Patroni prints them ("2024-08-28 19:39:26.35+00:00" or ISO 8601).</summary>
    public static DateTimeOffset? Time(this JsonElement obj, string name) =>
        obj.Str(name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;

    /// <summary>Seconds since the epoch (dcs_last_seen).</summary>
    public static DateTimeOffset? EpochSeconds(this JsonElement obj, string name) =>
        obj.Long(name) is { } s && s is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    /// <summary>Tags keep JSON primitives typed; nested values become their JSON text.</summary>
    public static IReadOnlyDictionary<string, object?> Tags(this JsonElement obj, string name)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (obj.Prop(name) is not { ValueKind: JsonValueKind.Object } t)
            return tags;
        foreach (var p in t.EnumerateObject())
            tags[p.Name] = Primitive(p.Value);
        return tags;
    }

    private static object? Primitive(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when v.TryGetInt64(out var l) => l,
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };
}
