using System.Net;
using PatroniHa.Engine.Configuration;

namespace PatroniHa.Configuration;

/// <summary>
/// How a session was asked to connect: the parameters the user bound (as settings), which outside sources
/// to read (environment, .env, YAML) and the credentials. Kept with the session so Switch-PatroniMode can
/// resolve the other mode later from the same settings, re-reading the outside sources then.
/// </summary>
internal sealed record ConnectionRecipe
{
    public IReadOnlyDictionary<string, SettingValue> Parameters { get; init; } = new Dictionary<string, SettingValue>();
    public bool FromEnvironment { get; init; }
    public string? EnvFile { get; init; }
    public string? ConfigPath { get; init; }
    public NetworkCredential? Credential { get; init; }
    public ApiSecurity Api { get; init; } = new();
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Warnings the sources raised the last time they were read (unknown YAML keys …).</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Reads the sources and validates everything; throws InvalidConfiguration listing every problem.</summary>
    public ClusterOptions Resolve(ClusterMode? mode)
    {
        var parameters = new SettingsLayer(SettingsSourceKind.Parameter, "parameters", Parameters.Values);
        IReadOnlyList<SettingsLayer> layers = SettingsSources.Collect(parameters, FromEnvironment, EnvFile, ConfigPath);
        Warnings = layers.SelectMany(l => l.Warnings).ToList();
        ClusterOptions options = ClusterOptionsResolver.Resolve(layers, mode, Credential, WorkingDirectory);
        return Api.ApplyTo(options);
    }

    /// <summary>This recipe with <paramref name="newer"/>'s parameters and sources on top.</summary>
    public ConnectionRecipe Overlay(ConnectionRecipe newer)
    {
        var merged = new Dictionary<string, SettingValue>(Parameters, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in newer.Parameters)
            merged[key] = value;
        return this with
        {
            Parameters = merged,
            FromEnvironment = FromEnvironment || newer.FromEnvironment,
            EnvFile = newer.EnvFile ?? EnvFile,
            ConfigPath = newer.ConfigPath ?? ConfigPath,
            Credential = newer.Credential ?? Credential,
            Api = Api.Overlay(newer.Api),
            WorkingDirectory = newer.WorkingDirectory,
        };
    }
}

/// <summary>REST API security given as parameters; applied over what the settings say.</summary>
internal sealed record ApiSecurity
{
    public string? RootCertificate { get; init; }
    public string? ClientCertificate { get; init; }
    public string? ClientKey { get; init; }
    public bool? SkipCertificateCheck { get; init; }
    public bool? AllowCredentialOverHttp { get; init; }
    public NetworkCredential? Credential { get; init; }

    public ClusterOptions ApplyTo(ClusterOptions options) => options with
    {
        Api = options.Api with
        {
            RootCertificate = RootCertificate ?? options.Api.RootCertificate,
            ClientCertificate = ClientCertificate ?? options.Api.ClientCertificate,
            ClientKey = ClientKey ?? options.Api.ClientKey,
            SkipCertificateCheck = SkipCertificateCheck ?? options.Api.SkipCertificateCheck,
            AllowCredentialOverHttp = AllowCredentialOverHttp ?? options.Api.AllowCredentialOverHttp,
            Credential = Credential ?? options.Api.Credential,
        },
    };

    public ApiSecurity Overlay(ApiSecurity newer) => new()
    {
        RootCertificate = newer.RootCertificate ?? RootCertificate,
        ClientCertificate = newer.ClientCertificate ?? ClientCertificate,
        ClientKey = newer.ClientKey ?? ClientKey,
        SkipCertificateCheck = newer.SkipCertificateCheck ?? SkipCertificateCheck,
        AllowCredentialOverHttp = newer.AllowCredentialOverHttp ?? AllowCredentialOverHttp,
        Credential = newer.Credential ?? Credential,
    };
}
