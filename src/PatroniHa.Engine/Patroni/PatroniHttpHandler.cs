using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>Builds the HTTP handler for Patroni's REST API: timeouts, no proxy, no redirects, TLS trust.</summary>
internal static class PatroniHttpHandler
{
    public static SocketsHttpHandler Create(PatroniApiOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            // The REST API is cluster-internal; an HTTP(S)_PROXY meant for the internet must not intercept it.
            UseProxy = false,
            // A redirect could carry the basic-auth header to another host.
            AllowAutoRedirect = false,
            // Members come and go; do not hold sockets to a dead leader for long.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };

        var tls = handler.SslOptions;
        if (LoadClientCertificate(options) is { } clientCert)
            tls.ClientCertificates = [clientCert];

        if (options.SkipCertificateCheck)
            tls.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (options.RootCertificate is { } caFile)
            tls.RemoteCertificateValidationCallback = PrivateCaValidator(LoadCa(caFile));
        // Otherwise the default: the system trust store with host name checks.
        return handler;
    }

    /// <summary>
    /// Trusts only the given CA (not "anything"): the chain must end at it and the host name must match.
    /// Revocation is not checked: private CAs for Patroni rarely publish CRL/OCSP.
    /// </summary>
    private static RemoteCertificateValidationCallback PrivateCaValidator(X509Certificate2Collection roots) =>
        (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
                || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
                return false;
            if (errors == SslPolicyErrors.None)
                return true; // The system store already trusts it.

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };

    private static X509Certificate2Collection LoadCa(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw Invalid($"Cannot read the Patroni REST API root certificate '{path}': {e.Message}", path, e);
        }
        return roots.Count > 0
            ? roots
            : throw Invalid($"The Patroni REST API root certificate '{path}' holds no PEM certificate.", path);
    }

    private static X509Certificate2? LoadClientCertificate(PatroniApiOptions options)
    {
        if (options.ClientCertificate is null)
            return options.ClientKey is null
                ? null
                : throw Invalid("A client key was given without a client certificate (Patroni verify_client).",
                    options.ClientKey);
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.ClientCertificate, options.ClientKey);
            // Windows' TLS stack cannot use the ephemeral key of a PEM import; a PKCS#12 round trip fixes that.
            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException
                                      or ArgumentException)
        {
            throw Invalid($"Cannot load the Patroni REST API client certificate '{options.ClientCertificate}'" +
                (options.ClientKey is null ? "" : $" with key '{options.ClientKey}'") + $": {e.Message}",
                options.ClientCertificate, e);
        }
    }

    private static PatroniHaException Invalid(string message, string target, Exception? inner = null) =>
        new(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, target, inner);
}
