namespace PatroniHa.Engine.Routing.Reads;

/// <summary>A replica as the selector sees it: Patroni's view plus what the session measured.</summary>
public sealed record ReplicaCandidate(
    string Name,
    IReadOnlyDictionary<string, object?> Tags,
    bool Usable,
    MemberReadState? State);

/// <summary>Why a replica did not serve a read.</summary>
public enum SkipReason
{
    /// <summary>Tagged noloadbalance.</summary>
    NoLoadBalance,

    /// <summary>Not running, or failed a query moments ago.</summary>
    Unavailable,

    /// <summary>Lacks a required tag, or matches no preferred tag group.</summary>
    Tags,

    /// <summary>More bytes behind than -MaxLagBytes.</summary>
    TooStaleBytes,

    /// <summary>May miss commits older than -MaxLagSec.</summary>
    TooStaleTime,

    /// <summary>A lag limit is set but the lag is not measured yet.</summary>
    LagUnknown,

    /// <summary>Has not replayed the position a read-your-writes read needs (as far as the session knows).</summary>
    Behind,

    /// <summary>Measured out of recovery (promoted): not a replica any more.</summary>
    NotInRecovery,
}

/// <summary>
/// The replicas that may serve a read, best first (<see cref="Ready"/>), those that would qualify once
/// they replay the required position (<see cref="Behind"/>, worth a probe or a wait), and why the others
/// were left out.
/// </summary>
public sealed record ReplicaSelection(
    IReadOnlyList<string> Ready,
    IReadOnlyList<string> Behind,
    IReadOnlyList<(string Member, SkipReason Reason)> Skipped);

/// <summary>
/// The read routing rules, free of I/O so they can be tested alone: noloadbalance and required tags
/// exclude, lag limits exclude (measured by the session, never Patroni's lag), a required replay position
/// splits ready from behind, preferred tag groups rank, and the replica choice orders within a rank.
/// </summary>
public static class ReplicaSelector
{
    public static ReplicaSelection Select(IReadOnlyList<ReplicaCandidate> replicas, ReadPolicy policy, Lsn? required,
        LeaderLsnSamples samples, long now, int turn, Random? random = null)
    {
        var ready = new List<(ReplicaCandidate C, int Rank)>();
        var behind = new List<(ReplicaCandidate C, int Rank)>();
        var skipped = new List<(string, SkipReason)>();
        foreach (ReplicaCandidate c in replicas)
        {
            if (IsNoLoadBalance(c.Tags))
            {
                skipped.Add((c.Name, SkipReason.NoLoadBalance));
                continue;
            }
            if (!c.Usable)
            {
                skipped.Add((c.Name, SkipReason.Unavailable));
                continue;
            }
            int rank = Rank(c.Tags, policy);
            if (rank < 0)
            {
                skipped.Add((c.Name, SkipReason.Tags));
                continue;
            }
            if (c.State is { InRecovery: false })
            {
                skipped.Add((c.Name, SkipReason.NotInRecovery));
                continue;
            }
            if (LagReason(c.State, policy, samples, now) is { } lag)
            {
                skipped.Add((c.Name, lag));
                continue;
            }
            if (required is { } lsn && (c.State is null || c.State.ReplayLsn < lsn))
                behind.Add((c, rank));
            else
                ready.Add((c, rank));
        }
        return new ReplicaSelection(Order(ready, policy.Choice, turn, random), Order(behind, policy.Choice, turn, random), skipped);
    }

    private static SkipReason? LagReason(MemberReadState? state, ReadPolicy policy, LeaderLsnSamples samples, long now)
    {
        if (policy.MaxLagBytes is null && policy.MaxLag is null)
            return null;
        if (state is null)
            return SkipReason.LagUnknown;
        if (policy.MaxLagBytes is { } maxBytes)
        {
            if (samples.BytesBehind(state.ReplayLsn) is not { } bytes)
                return SkipReason.LagUnknown;
            if (bytes > maxBytes)
                return SkipReason.TooStaleBytes;
        }
        if (policy.MaxLag is { } maxLag)
        {
            if (samples.StalenessAt(state.ReplayLsn, now) is not { } staleness)
                return SkipReason.LagUnknown;
            if (staleness > maxLag)
                return SkipReason.TooStaleTime;
        }
        return null;
    }

    /// <summary>0 for the first preferred group the tags match, 1 for the next …; -1 when excluded.</summary>
    public static int Rank(IReadOnlyDictionary<string, object?> tags, ReadPolicy policy)
    {
        if (!Matches(tags, policy.RequireTags))
            return -1;
        if (policy.PreferTags.Count == 0)
            return 0;
        for (int i = 0; i < policy.PreferTags.Count; i++)
        {
            if (Matches(tags, policy.PreferTags[i]))
                return i;
        }
        return -1;
    }

    private static bool Matches(IReadOnlyDictionary<string, object?> tags, IReadOnlyDictionary<string, string> wanted)
    {
        foreach (var (key, value) in wanted)
        {
            if (!tags.TryGetValue(key, out object? actual) || !string.Equals(TagText(actual), value, StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return true;
    }

    private static string? TagText(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Patroni's noloadbalance tag: the member takes no load-balanced reads.</summary>
    public static bool IsNoLoadBalance(IReadOnlyDictionary<string, object?> tags) =>
        tags.Count > 0 && tags.TryGetValue("noloadbalance", out object? v) &&
        (v is true || (v is string s && s.Equals("true", StringComparison.OrdinalIgnoreCase)));

    private static List<string> Order(List<(ReplicaCandidate C, int Rank)> list, ReplicaChoice choice, int turn, Random? random)
    {
        var result = new List<string>(list.Count);
        foreach (var group in list.GroupBy(x => x.Rank).OrderBy(g => g.Key))
        {
            var members = group.Select(x => x.C).ToList();
            switch (choice)
            {
                case ReplicaChoice.Random:
                    (random ?? Random.Shared).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(members));
                    result.AddRange(members.Select(m => m.Name));
                    break;
                case ReplicaChoice.LowestLatency:
                    // Unmeasured members go last; equal round trips keep the round-robin rotation.
                    var rotated = Rotate(members, turn);
                    result.AddRange(rotated.OrderBy(m => m.State?.RoundTrip ?? TimeSpan.MaxValue).Select(m => m.Name));
                    break;
                default:
                    result.AddRange(Rotate(members, turn).Select(m => m.Name));
                    break;
            }
        }
        return result;
    }

    private static IEnumerable<T> Rotate<T>(List<T> items, int turn)
    {
        int start = (int)((uint)turn % (uint)Math.Max(1, items.Count));
        for (int i = 0; i < items.Count; i++)
            yield return items[(start + i) % items.Count];
    }
}
