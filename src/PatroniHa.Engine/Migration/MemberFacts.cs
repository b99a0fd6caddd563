using PatroniHa.Engine.Patroni;

namespace PatroniHa.Engine.Migration;

/// <summary>What was learned about one member from this machine; a null part could not be read (see its problem).</summary>
public sealed record MemberFacts(
    PatroniMember Member,
    Uri? ApiEndpoint,
    PatroniNodeStatus? Node,
    string? ApiProblem,
    ServerFacts? Server,
    string? LoginProblem);

/// <summary>What a login to the member's PostgreSQL showed.</summary>
/// <param name="Ssl">Whether this connection is encrypted (pg_stat_ssl).</param>
public sealed record ServerFacts(
    int VersionNumber,
    string Version,
    bool InRecovery,
    bool Ssl,
    string? SslVersion,
    IReadOnlyList<ExtensionFacts> Extensions)
{
    public int Major => VersionNumber / 10000;
}

/// <summary>One named extension on one server: its files (pg_available_extensions) and whether it is created (pg_extension).</summary>
public sealed record ExtensionFacts(string Name, bool Available, string? DefaultVersion, string? InstalledVersion);
