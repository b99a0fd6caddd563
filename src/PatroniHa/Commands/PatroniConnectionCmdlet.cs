using System.Management.Automation;
using PatroniHa.Configuration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Commands;

/// <summary>
/// The settings that say how to reach a cluster (REST port, database, TLS), shared by Connect-PatroniCluster,
/// Switch-PatroniMode and Test-PatroniMigration. Only parameters the user binds count: an unbound parameter
/// never hides the environment, .env or YAML value.
/// </summary>
public abstract class PatroniConnectionCmdlet : PatroniCmdlet
{
    /// <summary>Port for endpoints given without one (the seed's PATRONI_PORT, default 8008).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int ApiPort { get; set; } = 8008;

    /// <summary>The database (the seed's PATRONI_DB); default postgres.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>PostgreSQL TLS (PATRONI_SSLMODE): Disable, Allow, Prefer, Require, VerifyCA or VerifyFull.</summary>
    [Parameter]
    [ValidateSet("Disable", "Allow", "Prefer", "Require", "VerifyCA", "VerifyFull")]
    public string? SslMode { get; set; }

    /// <summary>CA certificate (PEM) that signs the servers' certificates (PATRONI_SSLROOTCERT).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificate { get; set; }

    /// <summary>Client certificate (PEM) for certificate authentication (PATRONI_SSLCERT).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientCertificate { get; set; }

    /// <summary>The client certificate's key (PEM) (PATRONI_SSLKEY).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientKey { get; set; }

    /// <summary>CA (PEM) to trust for https REST endpoints signed by a private CA.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiRootCertificate { get; set; }

    /// <summary>Client certificate (PEM) for Patroni's restapi verify_client.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiClientCertificate { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiClientKey { get; set; }

    /// <summary>Accept any REST API certificate. Unsafe: only for tests and first aid.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    private protected ConnectionRecipe BuildRecipe(bool fromEnvironment, string? envFile, string? configPath, PSCredential? credential)
    {
        if (SkipCertificateCheck)
            WriteWarning("-SkipCertificateCheck: REST API certificates are not verified; anyone on the path can impersonate Patroni.");
        return new ConnectionRecipe
        {
            Parameters = BoundParameterSettings.From(MyInvocation.BoundParameters),
            FromEnvironment = fromEnvironment,
            EnvFile = envFile is null ? null : GetUnresolvedProviderPathFromPSPath(envFile),
            ConfigPath = configPath is null ? null : GetUnresolvedProviderPathFromPSPath(configPath),
            Credential = credential?.GetNetworkCredential(),
            WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            Api = new ApiSecurity
            {
                RootCertificate = ApiRootCertificate is null ? null : GetUnresolvedProviderPathFromPSPath(ApiRootCertificate),
                ClientCertificate = ApiClientCertificate is null ? null : GetUnresolvedProviderPathFromPSPath(ApiClientCertificate),
                ClientKey = ApiClientKey is null ? null : GetUnresolvedProviderPathFromPSPath(ApiClientKey),
                SkipCertificateCheck = Bound(nameof(SkipCertificateCheck)) ? SkipCertificateCheck.IsPresent : null,
                AllowCredentialOverHttp = ApiAllowCredentialOverHttp,
                Credential = ApiNetworkCredential,
            },
        };
    }

    /// <summary>Validates every setting before anything connects; a bad one is a terminating InvalidConfiguration error.</summary>
    private protected ClusterOptions ResolveOptions(ConnectionRecipe recipe, ClusterMode? mode)
    {
        try
        {
            ClusterOptions options = recipe.Resolve(mode);
            foreach (string warning in recipe.Warnings)
                WriteWarning(warning);
            return options;
        }
        catch (PatroniHaException ex)
        {
            throw Terminate(Errors.ErrorRecords.From(ex));
        }
    }

    /// <summary>The REST API user for requests that change the cluster; none for cmdlets that only read.</summary>
    private protected virtual System.Net.NetworkCredential? ApiNetworkCredential => null;

    private protected virtual bool? ApiAllowCredentialOverHttp => null;

    private protected bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);
}
