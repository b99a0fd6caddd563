using System.Diagnostics;
using System.Globalization;

namespace PatroniHa.Engine.Sandbox;

/// <summary>The single-member etcd that serves as Patroni's DCS (etcd3 API).</summary>
internal sealed class SandboxEtcd(string binary, string folder, int clientPort, int peerPort)
{
    private Process? _process;

    public Uri ClientUrl { get; } = new($"http://127.0.0.1:{clientPort}");
    public string DataDir { get; } = System.IO.Path.Combine(folder, "etcd");
    public string LogPath { get; } = System.IO.Path.Combine(folder, "etcd.log");
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Launch()
    {
        var peer = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{peerPort}");
        var client = ClientUrl.ToString().TrimEnd('/');
        _process = ProcessLauncher.Start(binary,
        [
            "--name", "default", "--data-dir", DataDir,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"default={peer}",
            "--log-level", "warn",
        ], LogPath, folder, asServiceUser: true);
    }

    /// <summary>Waits until GET /health says true; throws TimeoutException (or the exit) otherwise.</summary>
    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (ExitCode is { } code) throw new InvalidOperationException($"etcd exited with code {code}");
            var body = await SandboxHttp.TryGetAsync(http, new Uri(ClientUrl, "/health"), TimeSpan.FromSeconds(1),
                (response, c) => response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(c), ct).ConfigureAwait(false);
            if (body?.Contains("\"true\"", StringComparison.Ordinal) == true) return;
            if (sw.Elapsed > timeout) throw new TimeoutException($"etcd did not report healthy within {timeout.TotalSeconds:0} s");
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>SIGSTOPs etcd ("DCS is down" as Patroni's acceptance tests do it); <see cref="Resume"/> undoes it.</summary>
    public void Suspend()
    {
        if (_process is { HasExited: false } p) NativeProcess.Signal(p.Id, NativeProcess.SigStop);
    }

    public void Resume()
    {
        if (_process is { HasExited: false } p) NativeProcess.Signal(p.Id, NativeProcess.SigCont);
    }

    public void Dispose()
    {
        Resume(); // a suspended etcd could not act on the teardown's signals
        _process?.Dispose();
    }
}
