using System.Collections;
using System.Management.Automation;
using PatroniHa.Engine.Routing.Reads;

namespace PatroniHa.Configuration;

/// <summary>
/// The read routing parameters Connect-PatroniCluster (the session's policy) and Invoke-PatroniQuery (one
/// read's overrides) share: only bound parameters change the policy they start from.
/// </summary>
internal static class ReadPolicyBinding
{
    public static readonly string[] Parameters =
        ["Consistency", "MaxLagBytes", "MaxLagSec", "PreferTag", "RequireTag", "ReplicaChoice", "MaxWaitMs"];

    public static bool AnyBound(IDictionary<string, object> bound) => Parameters.Any(bound.ContainsKey);

    public static ReadPolicy Apply(ReadPolicy policy, IDictionary<string, object> bound)
    {
        if (bound.TryGetValue("Consistency", out object? c))
            policy = policy with { Consistency = Enum.Parse<ReadConsistency>(Text(c), ignoreCase: true) };
        if (bound.TryGetValue("MaxLagBytes", out object? bytes))
            policy = policy with { MaxLagBytes = Convert.ToInt64(Unwrap(bytes), System.Globalization.CultureInfo.InvariantCulture) };
        if (bound.TryGetValue("MaxLagSec", out object? sec))
            policy = policy with { MaxLag = TimeSpan.FromSeconds(Convert.ToDouble(Unwrap(sec), System.Globalization.CultureInfo.InvariantCulture)) };
        if (bound.TryGetValue("PreferTag", out object? prefer))
            policy = policy with { PreferTags = ((IEnumerable)Unwrap(prefer)!).Cast<object>().Select(t => Tags((IDictionary)Unwrap(t)!)).ToArray() };
        if (bound.TryGetValue("RequireTag", out object? require))
            policy = policy with { RequireTags = Tags((IDictionary)Unwrap(require)!) };
        if (bound.TryGetValue("ReplicaChoice", out object? choice))
            policy = policy with { Choice = Enum.Parse<ReplicaChoice>(Text(choice), ignoreCase: true) };
        if (bound.TryGetValue("MaxWaitMs", out object? wait))
            policy = policy with { MaxWait = TimeSpan.FromMilliseconds(Convert.ToInt32(Unwrap(wait), System.Globalization.CultureInfo.InvariantCulture)) };
        return policy;
    }

    /// <summary>Tag values compare as text: $true is "true", 3 is "3".</summary>
    private static IReadOnlyDictionary<string, string> Tags(IDictionary table)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            object? value = Unwrap(entry.Value);
            tags[entry.Key.ToString()!] = value switch
            {
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value?.ToString() ?? "",
            };
        }
        return tags;
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    private static string Text(object? value) => Unwrap(value)?.ToString() ?? "";
}
