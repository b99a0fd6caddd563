using System.Net;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Everything a session needs, whichever source it came from (parameters, environment/.env, YAML).
/// Defaults are the seed's. The credential's password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record ClusterOptions
{
    public ClusterMode Mode { get; init; } = ClusterMode.PatroniHa;

    public PatroniApiOptions Api { get; init; } = new();

    /// <summary>Single-node server.</summary>
    public string? HostName { get; init; }
    public int Port { get; init; } = 5432;

    public string Database { get; init; } = "postgres";
    public NetworkCredential? Credential { get; init; }

    public int MinPoolSize { get; init; } = 2;
    public int MaxPoolSize { get; init; } = 20;
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan FailoverTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public PostgresTlsOptions Tls { get; init; } = new();

    /// <summary>Name the session reports to PostgreSQL (application_name).</summary>
    public string ApplicationName { get; init; } = "PatroniHa";

    public override string ToString() =>
        Mode == ClusterMode.SingleNode
            ? $"single-node {HostName}:{Port}/{Database} as {Credential?.UserName}"
            : $"patroni-ha [{string.Join(", ", Api.Endpoints)}]/{Database} as {Credential?.UserName}";
}
