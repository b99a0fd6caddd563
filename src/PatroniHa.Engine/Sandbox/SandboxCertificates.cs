using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PatroniHa.Engine.Sandbox;

/// <summary>PEM files of a sandbox's throwaway CA and the server certificate every member uses.</summary>
public sealed record SandboxTlsFiles(string CaCertificatePath, string CertificatePath, string KeyPath);

/// <summary>
/// Creates a throwaway CA and a server certificate for 127.0.0.1/localhost. ECDSA P-256 because key
/// generation is instant and both OpenSSL (PostgreSQL) and Python's ssl (Patroni) accept it.
/// </summary>
internal static class SandboxCertificates
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static SandboxTlsFiles Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5); // tolerate small clock skew
        var notAfter = notBefore + Lifetime;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=PatroniHa sandbox CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = request.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));

        var files = new SandboxTlsFiles(
            System.IO.Path.Combine(folder, "ca.crt"),
            System.IO.Path.Combine(folder, "server.crt"),
            System.IO.Path.Combine(folder, "server.key"));
        File.WriteAllText(files.CaCertificatePath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(files.CertificatePath, server.ExportCertificatePem() + "\n");
        File.WriteAllText(files.KeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        // PostgreSQL refuses a key file that group or others can read.
        SandboxFolder.SetMode(files.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return files;
    }

    /// <summary>An HTTP handler that trusts exactly the sandbox CA (not the machine's store).</summary>
    public static SocketsHttpHandler CreateHandler(string? caCertificatePath)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        if (caCertificatePath is null) return handler;
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caCertificatePath));
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf) && leaf.MatchesHostname("127.0.0.1");
        };
        return handler;
    }
}
