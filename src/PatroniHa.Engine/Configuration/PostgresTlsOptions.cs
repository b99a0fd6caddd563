namespace PatroniHa.Engine.Configuration;

/// <summary>How the session talks TLS to PostgreSQL (the seed's PATRONI_SSL* settings).</summary>
public sealed record PostgresTlsOptions
{
    /// <summary>Disable, Allow, Prefer, Require, VerifyCA or VerifyFull (Npgsql's SslMode names).</summary>
    public string SslMode { get; init; } = "Prefer";
    public string? RootCertificate { get; init; }
    public string? ClientCertificate { get; init; }
    public string? ClientKey { get; init; }
}
