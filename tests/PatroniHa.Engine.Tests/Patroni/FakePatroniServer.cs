using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PatroniHa.Engine.Tests.Patroni;

public sealed record FakeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

public sealed record FakeResponse(int Status, string Body, string ContentType = "application/json");

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 answering raw text. A handler that returns null never answers
/// (the connection stays open until the server is disposed), which is how a hung Patroni looks.
/// </summary>
public sealed class FakePatroniServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<FakeRequest, FakeResponse?> _handler;
    private readonly X509Certificate2? _certificate;
    private readonly bool _requireClientCertificate;
    private readonly Task _loop;

    public FakePatroniServer(Func<FakeRequest, FakeResponse?> handler, X509Certificate2? certificate = null,
        bool requireClientCertificate = false)
    {
        _handler = handler;
        _certificate = certificate;
        _requireClientCertificate = requireClientCertificate;
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Endpoint = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{port}/");
        _loop = AcceptLoop();
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>The subject of each client certificate presented (null: none). Kept as text: SslStream disposes the certificate with the connection.</summary>
    public ConcurrentQueue<string?> ClientCertificateSubjects { get; } = new();

    public static FakePatroniServer Json(string body) => new(_ => new FakeResponse(200, body));

    /// <summary>A loopback port nothing listens on, so connecting is refused at once.</summary>
    public static Uri RefusedEndpoint()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    private async Task AcceptLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => Serve(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var ssl = new SslStream(stream, false, (_, c, _, _) =>
                    {
                        ClientCertificateSubjects.Enqueue(c?.Subject);
                        return !_requireClientCertificate || c is not null;
                    });
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = _requireClientCertificate,
                    }, _stop.Token);
                    stream = ssl;
                }
                var request = await ReadRequest(stream);
                Requests.Enqueue(request);
                var response = _handler(request);
                if (response is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                var body = Encoding.UTF8.GetBytes(response.Body);
                var head = $"HTTP/1.1 {response.Status} Fake\r\nContent-Type: {response.ContentType}\r\n" +
                           $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception)
            {
                // Client went away, TLS refused, or the server is stopping.
            }
        }
    }

    private async Task<FakeRequest> ReadRequest(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
                throw new EndOfStreamException();
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return new FakeRequest(parts[0], parts[1], headers, Encoding.UTF8.GetString(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
    }
}
