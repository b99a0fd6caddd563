using System.Collections;
using System.Collections.Specialized;
using System.Text.Json;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Patroni;

namespace PatroniHa.Output;

/// <summary>One row of Get-PatroniHistory: a timeline that ended, where, why, when and who led next.</summary>
public sealed class PatroniHistoryEntry
{
    internal PatroniHistoryEntry(TimelineSwitch t, string? cluster)
    {
        Cluster = cluster;
        Timeline = t.Timeline;
        Lsn = t.Lsn;
        Reason = t.Reason;
        At = t.At;
        NewLeader = t.NewLeader;
    }

    public string? Cluster { get; }
    public long Timeline { get; }

    /// <summary>The WAL position (bytes) where the timeline ended.</summary>
    public long? Lsn { get; }

    /// <summary>The position as PostgreSQL writes it (X/Y).</summary>
    public string? LsnText => Lsn is { } l ? $"{l >> 32:X}/{l & 0xFFFFFFFF:X}" : null;

    public string? Reason { get; }
    public DateTimeOffset? At { get; }
    public string? NewLeader { get; }

    public override string ToString() => $"TL {Timeline} {LsnText} {Reason}";
}

/// <summary>The cluster's dynamic configuration (GET /config) as Get-PatroniConfiguration writes it.</summary>
public sealed class PatroniConfiguration
{
    internal PatroniConfiguration(PatroniDynamicConfig c, string? cluster)
    {
        Cluster = cluster;
        Ttl = c.Ttl;
        LoopWait = c.LoopWait;
        RetryTimeout = c.RetryTimeout;
        MaximumLagOnFailover = c.MaximumLagOnFailover;
        SynchronousMode = c.SynchronousMode;
        Paused = c.Paused;
        Settings = ToOrdered(c.Raw) as OrderedDictionary ?? new OrderedDictionary();
        Parameters = Settings["postgresql"] is OrderedDictionary pg && pg["parameters"] is OrderedDictionary p
            ? p
            : new OrderedDictionary();
        Json = c.Raw.ValueKind == JsonValueKind.Undefined ? "{}" : c.Raw.GetRawText();
    }

    public string? Cluster { get; }
    public int? Ttl { get; }
    public int? LoopWait { get; }
    public int? RetryTimeout { get; }
    public long? MaximumLagOnFailover { get; }
    public bool? SynchronousMode { get; }
    public bool Paused { get; }

    /// <summary>postgresql.parameters (PostgreSQL settings Patroni manages).</summary>
    public OrderedDictionary Parameters { get; }

    /// <summary>The whole document, as nested ordered hashtables.</summary>
    public OrderedDictionary Settings { get; }

    /// <summary>The document as Patroni sent it.</summary>
    public string Json { get; }

    private static object? ToOrdered(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Aggregate(new OrderedDictionary(StringComparer.Ordinal), (d, p) =>
        {
            d[p.Name] = ToOrdered(p.Value);
            return d;
        }),
        JsonValueKind.Array => e.EnumerateArray().Select(ToOrdered).ToArray(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when e.TryGetInt64(out long l) => l,
        JsonValueKind.Number => e.GetDouble(),
        _ => null,
    };
}

/// <summary>One setting Set-PatroniConfiguration changed (or would change).</summary>
public sealed class PatroniConfigurationChange
{
    internal PatroniConfigurationChange(ConfigChange c, bool restartRequired, bool applied)
    {
        Path = c.Path;
        OldValue = c.OldValue;
        NewValue = c.NewValue;
        Change = c.Kind.ToString();
        RestartRequired = restartRequired;
        Applied = applied;
    }

    /// <summary>Dotted path, e.g. postgresql.parameters.max_connections or loop_wait.</summary>
    public string Path { get; }
    public string? OldValue { get; }
    public string? NewValue { get; }

    /// <summary>Add, Change, Remove or Unchanged.</summary>
    public string Change { get; }

    /// <summary>A PostgreSQL parameter that only takes effect after a restart (pg_settings.context = postmaster).</summary>
    public bool RestartRequired { get; }

    public bool Applied { get; }

    public override string ToString() => $"{Path}: {OldValue ?? "(unset)"} -> {NewValue ?? "(removed)"}";
}

/// <summary>What Suspend-/Resume-PatroniCluster did.</summary>
public sealed class PatroniMaintenanceState
{
    internal PatroniMaintenanceState(string? cluster, bool paused, bool wasPaused, bool confirmed)
    {
        Cluster = cluster;
        Paused = paused;
        Changed = paused != wasPaused;
        ConfirmedByAllMembers = confirmed;
    }

    public string? Cluster { get; }

    /// <summary>The cluster is now in maintenance mode: Patroni does not fail over or restart PostgreSQL by itself.</summary>
    public bool Paused { get; }

    /// <summary>False when the cluster already was in that state.</summary>
    public bool Changed { get; }

    /// <summary>With -Wait: every member's own Patroni reported the new state.</summary>
    public bool ConfirmedByAllMembers { get; }
}

/// <summary>What a restart, reload, reinitialize or cancel did on one member.</summary>
public sealed class PatroniMemberActionResult
{
    internal PatroniMemberActionResult(MemberActionResult r)
    {
        Member = r.Member;
        Action = r.Action;
        Status = r.Status.ToString();
        HttpStatus = r.HttpStatus;
        Message = r.Message;
        ScheduledAt = r.ScheduledAt;
        Elapsed = r.Elapsed;
    }

    public string Member { get; }

    /// <summary>Restart, CancelRestart, CancelSwitchover, Reload or Reinitialize.</summary>
    public string Action { get; }

    /// <summary>Done, Scheduled, Started, Skipped (conditions not met) or Canceled.</summary>
    public string Status { get; }

    public int HttpStatus { get; }

    /// <summary>Patroni's own answer.</summary>
    public string Message { get; }

    public DateTimeOffset? ScheduledAt { get; }
    public TimeSpan Elapsed { get; }

    public override string ToString() => $"{Action} {Member}: {Status}";
}

/// <summary>One step of Restart-PatroniCluster.</summary>
public sealed class PatroniRollingRestartStep
{
    internal PatroniRollingRestartStep(RollingRestartStep s)
    {
        Step = s.Step;
        Member = s.Member;
        RoleBefore = s.RoleBefore;
        Action = s.Action;
        NewLeader = s.NewLeader;
        Elapsed = s.Elapsed;
        Message = s.Message;
    }

    public int Step { get; }
    public string Member { get; }
    public string RoleBefore { get; }

    /// <summary>Restarted, RestartedInPlace, SwitchedOver or Skipped.</summary>
    public string Action { get; }

    public string? NewLeader { get; }
    public TimeSpan Elapsed { get; }
    public string Message { get; }

    public override string ToString() => $"{Step}. {Member} {Action}";
}
