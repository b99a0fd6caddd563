namespace PatroniHa.Engine.Configuration;

/// <summary>One raw setting and where it came from, e.g. ".env file /app/.env line 7".</summary>
public sealed record SettingValue(string Key, string Value, string Origin)
{
    // Records print every member by default; a password must not reach a log that way.
    public override string ToString() =>
        $"{Key}={(SettingKeys.IsSecret(Key) ? "***" : Value)} ({Origin})";
}
