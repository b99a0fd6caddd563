using System.Net;

namespace PatroniHa.Engine.Configuration;

/// <summary>How the session talks to Patroni's REST API.</summary>
public sealed record PatroniApiOptions
{
    /// <summary>Endpoints as the user wrote them: host, host:port or http(s)://host:port.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>Port for endpoints given without one (the seed's PATRONI_PORT).</summary>
    public int DefaultPort { get; init; } = 8008;

    /// <summary>Per-request timeout; one silent endpoint must not hold discovery up.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>PEM file of a private CA to trust for https endpoints.</summary>
    public string? RootCertificate { get; init; }
    public string? ClientCertificate { get; init; }
    public string? ClientKey { get; init; }
    public bool SkipCertificateCheck { get; init; }

    /// <summary>Patroni's basic-auth user for the endpoints that change the cluster.</summary>
    public NetworkCredential? Credential { get; init; }

    /// <summary>Send <see cref="Credential"/> over plain http too (off: only over https).</summary>
    public bool AllowCredentialOverHttp { get; init; }
}
