using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Patroni;

/// <summary>https against a private CA made in the test: trusted only through RootCertificate.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("patroni-tls-").FullName;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;
    private readonly string _caPem;

    public TlsTests()
    {
        _ca = MakeCa("CN=Test Patroni CA");
        _server = Issue(_ca, "CN=127.0.0.1", server: true);
        _caPem = Write("ca.pem", _ca.ExportCertificatePem());
    }

    private static FakePatroniServer Https(X509Certificate2 cert, bool requireClient = false) =>
        new(_ => new FakeResponse(200, Payloads.Read("4.0.4", "cluster.json")), cert, requireClient);

    [Fact]
    public async Task Private_ca_is_trusted_through_RootCertificate()
    {
        await using var server = Https(_server);
        using var client = new PatroniRestClient(new PatroniApiOptions { RootCertificate = _caPem });
        Assert.Equal("patroni1", (await client.GetClusterAsync(server.Endpoint, default)).RequireLeader().Name);
    }

    [Fact]
    public async Task Private_ca_without_RootCertificate_fails_with_tls_advice()
    {
        await using var server = Https(_server);
        using var client = new PatroniRestClient(new PatroniApiOptions());
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
        Assert.Equal(FailureKind.SecurityError, e.Kind);
        Assert.Contains("RootCertificate", e.Message);
    }

    [Fact]
    public async Task Another_ca_is_not_accepted()
    {
        var other = MakeCa("CN=Other CA");
        var otherPem = Write("other.pem", other.ExportCertificatePem());
        await using var server = Https(_server);
        using var client = new PatroniRestClient(new PatroniApiOptions { RootCertificate = otherPem });
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(FailureKind.SecurityError, e.Kind);
    }

    [Fact]
    public async Task Host_name_must_match_even_with_the_right_ca()
    {
        var wrongName = Issue(_ca, "CN=db9.example", server: true, san: "db9.example");
        await using var server = Https(wrongName);
        using var client = new PatroniRestClient(new PatroniApiOptions { RootCertificate = _caPem });
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(FailureKind.SecurityError, e.Kind);
    }

    [Fact]
    public async Task SkipCertificateCheck_accepts_anything()
    {
        await using var server = Https(Issue(MakeCa("CN=Nobody"), "CN=whatever", server: true, san: "whatever"));
        using var client = new PatroniRestClient(new PatroniApiOptions { SkipCertificateCheck = true });
        Assert.NotEmpty((await client.GetClusterAsync(server.Endpoint, default)).Members);
    }

    [Fact]
    public async Task Client_certificate_is_presented_for_verify_client()
    {
        var clientCert = Issue(_ca, "CN=patroni-admin", server: false);
        var certPem = Write("client.crt", clientCert.ExportCertificatePem());
        var keyPem = Write("client.key", clientCert.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var server = Https(_server, requireClient: true);
        using var client = new PatroniRestClient(new PatroniApiOptions
        {
            RootCertificate = _caPem, ClientCertificate = certPem, ClientKey = keyPem,
        });
        await client.GetClusterAsync(server.Endpoint, default);
        Assert.Contains("CN=patroni-admin", server.ClientCertificateSubjects);
    }

    [Fact]
    public void Missing_pem_files_are_InvalidConfiguration()
    {
        var e = Assert.Throws<PatroniHaException>(() =>
            new PatroniRestClient(new PatroniApiOptions { RootCertificate = Path.Combine(_dir, "nope.pem") }));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        var c = Assert.Throws<PatroniHaException>(() =>
            new PatroniRestClient(new PatroniApiOptions { ClientCertificate = Path.Combine(_dir, "nope.crt") }));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, c.ErrorId);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static X509Certificate2 MakeCa(string subject)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool server, string? san = null)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            if (san is null)
                names.AddIpAddress(System.Net.IPAddress.Loopback);
            else
                names.AddDnsName(san);
            req.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        using var cert = req.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = cert.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives a key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
