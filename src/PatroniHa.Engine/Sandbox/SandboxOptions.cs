using System.Net;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// How to build a throwaway local Patroni cluster (etcd + Patroni + PostgreSQL on 127.0.0.1).
/// The defaults give a 3-node cluster whose unplanned failover takes about 10 s.
/// </summary>
public sealed record SandboxOptions
{
    public const int MaxNodes = 7;

    /// <summary>Number of Patroni members (1..7).</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Folder for everything the sandbox writes. Null: a new folder under the system temp dir.
    /// When given it must not exist yet or be empty, because disposal deletes it.</summary>
    public string? Path { get; init; }

    /// <summary>Patroni scope (cluster name).</summary>
    public string Scope { get; init; } = "sandbox";

    /// <summary>Sets <c>synchronous_mode: true</c> in the bootstrap DCS configuration.</summary>
    public bool SynchronousMode { get; init; }

    /// <summary>Leader key TTL in seconds (Patroni's default is 30; 10 keeps failover tests short).</summary>
    public int Ttl { get; init; } = 10;

    public int LoopWait { get; init; } = 1;

    public int RetryTimeout { get; init; } = 4;

    /// <summary>How long <see cref="SandboxCluster.StartAsync"/> waits for a healthy cluster.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>TLS everywhere: a throwaway CA signs a certificate for 127.0.0.1/localhost; PostgreSQL gets
    /// <c>ssl: on</c> and accepts only TLS connections (hostssl), the REST API speaks https.</summary>
    public bool Tls { get; init; }

    /// <summary>Patroni's <c>restapi.authentication</c> (basic auth for the endpoints that change the cluster).</summary>
    public NetworkCredential? ApiCredential { get; init; }

    /// <summary>
    /// Patroni tags per member name ("n1" …), added to the default <c>datacenter: dc1</c> (which they may
    /// replace): e.g. <c>noloadbalance</c>, <c>nofailover</c> or a datacenter for read routing tests. Values are
    /// strings, booleans or numbers.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> MemberTags { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, object>>();

    /// <summary>Override of the etcd binary (null: PATH, then /usr/bin). Tests point it at a missing file.</summary>
    public string? EtcdPath { get; init; }

    /// <summary>Override of the patroni binary (null: PATH, then /usr/bin).</summary>
    public string? PatroniPath { get; init; }

    /// <summary>Override of the PostgreSQL bin dir (null: highest /usr/lib/postgresql/*/bin).</summary>
    public string? PostgresBinDir { get; init; }

    /// <summary>Throws <see cref="PatroniErrorIds.InvalidConfiguration"/> when a value cannot work.</summary>
    public void Validate()
    {
        if (Nodes is < 1 or > MaxNodes)
            throw Invalid($"Nodes must be between 1 and {MaxNodes}; got {Nodes}.");
        if (string.IsNullOrWhiteSpace(Scope) || !Scope.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw Invalid($"Scope '{Scope}' must be non-empty and use only letters, digits, '-' and '_'.");
        if (Ttl < 1 || LoopWait < 1 || RetryTimeout < 1)
            throw Invalid("Ttl, LoopWait and RetryTimeout must be positive.");
        // Patroni silently rewrites the values when this rule is broken; fail loudly instead.
        if (LoopWait + 2 * RetryTimeout > Ttl)
            throw Invalid($"LoopWait + 2 * RetryTimeout must not exceed Ttl ({LoopWait} + 2 * {RetryTimeout} > {Ttl}).");
        if (StartTimeout <= TimeSpan.Zero)
            throw Invalid("StartTimeout must be positive.");
        if (ApiCredential is { } c && (string.IsNullOrEmpty(c.UserName) || string.IsNullOrEmpty(c.Password)
                                       || c.UserName.Contains(':')))
            throw Invalid("ApiCredential needs a user name without ':' and a non-empty password.");
        foreach (var (member, tags) in MemberTags)
        {
            if (!int.TryParse(member.AsSpan(1), out int n) || member[0] != 'n' || n < 1 || n > Nodes)
                throw Invalid($"MemberTags names member '{member}', but the members are n1..n{Nodes}.");
            foreach (var (key, value) in tags)
            {
                if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    throw Invalid($"Tag name '{key}' must use only letters, digits and '_'.");
                if (value is not (string or bool or int or long or double))
                    throw Invalid($"Tag '{key}' must be a string, a boolean or a number.");
            }
        }
        if (Path is { } p && (p.Any(char.IsWhiteSpace) || p.IndexOfAny(['\'', '"', '\\', '$', '`']) >= 0))
            throw Invalid($"Path '{p}' must not contain whitespace, quotes, '\\', '$' or '`' (it goes into YAML and shell scripts).");
    }

    private static PatroniHaException Invalid(string message) =>
        new(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, "SandboxOptions");
}
