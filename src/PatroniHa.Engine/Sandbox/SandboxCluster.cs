using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// A throwaway Patroni cluster on 127.0.0.1: one etcd, N Patroni members each managing a PostgreSQL, all in
/// one folder that disposal deletes. A detached watchdog cleans up if the owning process dies without
/// disposing. Meant for tests and demos, never for data anyone wants to keep.
/// </summary>
public sealed class SandboxCluster : IAsyncDisposable, IDisposable
{
    private const string PasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(5);

    private readonly SandboxOptions _options;
    private readonly Action<string> _progress;
    private readonly HttpClient _http;
    private readonly SandboxEtcd _etcd;
    private readonly ClusterHealthProbe _probe;
    private readonly SandboxMember[] _members;
    private SandboxWatchdog? _watchdog;
    private int _disposed;

    private SandboxCluster(SandboxOptions options, SandboxBinaries binaries, string path, Action<string> progress)
    {
        _options = options;
        _progress = progress;
        Path = path;
        Binaries = binaries;
        Tls = options.Tls ? SandboxCertificates.Create(System.IO.Path.Combine(path, "tls")) : null;
        _http = new HttpClient(SandboxCertificates.CreateHandler(Tls?.CaCertificatePath)) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiCredential is { } api)
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{api.UserName}:{api.Password}")));
        var ports = FreePorts.Allocate(2 + 2 * options.Nodes);
        _etcd = new SandboxEtcd(binaries.Etcd, path, ports[0], ports[1]);
        _members = Enumerable.Range(1, options.Nodes)
            .Select(i => new SandboxMember($"n{i}", ports[2 * i], ports[2 * i + 1],
                System.IO.Path.Combine(path, $"n{i}"), binaries.Patroni, options.Tls, ApiAnswersAsync))
            .ToArray();
        _probe = new ClusterHealthProbe(_http, _members.Select(m => (m.Name, m.ApiUrl)).ToList());
        Superuser = new NetworkCredential("postgres", NewPassword());
        ReplicatorPassword = NewPassword();
    }

    public string Scope => _options.Scope;

    /// <summary>The sandbox folder; every process of the sandbox names a file inside it.</summary>
    public string Path { get; }

    public SandboxBinaries Binaries { get; }

    public IReadOnlyList<SandboxMember> Members => _members;

    /// <summary>Patroni REST endpoints (http://127.0.0.1:PORT), in member order.</summary>
    public IReadOnlyList<Uri> ApiEndpoints => _members.Select(m => m.ApiUrl).ToList();

    /// <summary>The PostgreSQL superuser (postgres) and its generated password.</summary>
    public NetworkCredential Superuser { get; }

    internal string ReplicatorPassword { get; }

    /// <summary>The CA, certificate and key PEM files when the sandbox uses TLS; null otherwise.</summary>
    public SandboxTlsFiles? Tls { get; }

    /// <summary>PEM file of the sandbox's private CA (trust it for PostgreSQL and the REST API); null without TLS.</summary>
    public string? CaCertificatePath => Tls?.CaCertificatePath;

    /// <summary>Patroni REST API basic-auth credential (<see cref="SandboxOptions.ApiCredential"/>), if any.</summary>
    public NetworkCredential? ApiCredential => _options.ApiCredential;

    /// <summary>etcd client URL (http://127.0.0.1:PORT).</summary>
    public Uri EtcdEndpoint => _etcd.ClientUrl;

    /// <summary>SIGSTOPs etcd: every Patroni loses its DCS (the leader demotes itself after retry_timeout).</summary>
    public void SuspendEtcd() => _etcd.Suspend();

    /// <summary>SIGCONTs etcd after <see cref="SuspendEtcd"/>.</summary>
    public void ResumeEtcd() => _etcd.Resume();

    public SandboxMember this[string name] =>
        _members.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"No sandbox member '{name}'.");

    /// <summary>
    /// Starts etcd and every member and waits until the cluster is healthy. Throws
    /// <see cref="PatroniErrorIds.SandboxBinaryMissing"/> when a program is not installed and
    /// <see cref="PatroniErrorIds.SandboxStartFailed"/> (with the logs' last lines) when it does not come up;
    /// either way nothing is left behind.
    /// </summary>
    public static async Task<SandboxCluster> StartAsync(SandboxOptions options, Action<string>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The Patroni sandbox runs on Linux only (it uses /proc and POSIX signals).");
        options.Validate();
        var binaries = SandboxBinaries.Locate(options);
        var path = SandboxFolder.Create(options.Path);
        SandboxCluster? cluster = null;
        try
        {
            cluster = new SandboxCluster(options, binaries, path, progress ?? (_ => { }));
            await cluster.StartCoreAsync(ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            if (cluster is not null) await cluster.DisposeAsync().ConfigureAwait(false);
            else SandboxFolder.Delete(path);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        _watchdog = SandboxWatchdog.Start(Path, Environment.ProcessId);
        WriteFiles();
        ProcessLauncher.GiveToServiceUser(Path);
        SandboxFolder.EnsureServiceUserCanWrite(Path);

        _etcd.Launch();
        try
        {
            await _etcd.WaitHealthyAsync(_http, Remaining(sw), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw StartFailed($"etcd did not start: {e.Message}.", [_etcd.LogPath], e);
        }
        _progress($"etcd is up on {EtcdEndpoint} ({sw.Elapsed.TotalSeconds:0.0} s)");

        foreach (var m in _members) m.Launch();
        _progress($"started Patroni for {string.Join(", ", _members.Select(m => m.ToString()))}");

        HealthReport? last = null;
        while (true)
        {
            if (_members.FirstOrDefault(m => m.ExitCode is not null) is { } dead)
                throw StartFailed($"Patroni of member {dead.Name} exited with code {dead.ExitCode}.", [dead.LogPath]);
            if (_etcd.ExitCode is { } etcdExit)
                throw StartFailed($"etcd exited with code {etcdExit}.", [_etcd.LogPath]);
            last = await _probe.CheckAsync(MemberNames, _options.SynchronousMode, ct).ConfigureAwait(false);
            if (last.Healthy) break;
            if (sw.Elapsed > _options.StartTimeout)
            {
                var sick = _members.Where(m => !last.Members.Any(s => s.Name == m.Name && s.State is "running" or "streaming"))
                    .Select(m => m.LogPath).ToList();
                throw StartFailed(
                    $"The cluster was not healthy within {_options.StartTimeout.TotalSeconds:0} s; last status: {last.Summary}.",
                    sick.Count > 0 ? sick : _members.Select(m => m.LogPath));
            }
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
        _progress($"cluster '{Scope}' is healthy, leader {last.Leader} ({sw.Elapsed.TotalSeconds:0.0} s)");
    }

    private TimeSpan Remaining(Stopwatch sw) =>
        _options.StartTimeout - sw.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    private IReadOnlyCollection<string> MemberNames => _members.Select(m => m.Name).ToList();

    private void WriteFiles()
    {
        Directory.CreateDirectory(_etcd.DataDir);
        foreach (var m in _members)
        {
            Directory.CreateDirectory(m.Folder);
            File.WriteAllText(m.ConfigPath, MemberConfigWriter.Render(new MemberConfig(
                Scope, m.Name, m.PgPort, m.ApiPort, EtcdEndpoint.Port, m.Folder, m.DataDir,
                Binaries.PostgresBinDir, Superuser.Password, ReplicatorPassword, _options, Tls)));
            // The config holds passwords.
            SandboxFolder.SetMode(m.ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // etcd refuses a data dir that others can read.
        SandboxFolder.SetMode(_etcd.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private PatroniHaException StartFailed(string what, IEnumerable<string> logs, Exception? inner = null) =>
        new(PatroniErrorIds.SandboxStartFailed, FailureKind.ResourceUnavailable,
            $"The sandbox cluster in '{Path}' failed to start: {what} Everything was torn down; the logs' last lines follow."
            + Environment.NewLine + LogTail.Of(logs), Path, inner);

    /// <summary>Waits until every member is running and streaming and there is exactly one leader;
    /// returns the leader's name. Throws TimeoutException with the last status seen.</summary>
    public async Task<string> WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var report = await _probe.CheckAsync(MemberNames, _options.SynchronousMode, ct).ConfigureAwait(false);
            if (report.Healthy) return report.Leader!;
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"Sandbox '{Scope}' was not healthy within {timeout.TotalSeconds:0.#} s; last status: {report.Summary}");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <see cref="WaitUntilHealthyAsync"/> for tests that break members one after another on one cluster: a
    /// replica still not streaming after half the time (a diverged timeline pg_rewind could not fix) is
    /// reinitialized from the leader, then the rest of the time is waited.
    /// </summary>
    public async Task<string> HealAsync(TimeSpan timeout, Action<string> log, CancellationToken ct = default)
    {
        try
        {
            return await WaitUntilHealthyAsync(timeout / 2, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            var report = await _probe.CheckAsync(MemberNames, _options.SynchronousMode, ct).ConfigureAwait(false);
            if (report.Healthy)
                return report.Leader!;
            if (report.NotStreaming.Count == 0)
                throw;
            log($"{e.Message}: reinitializing {string.Join(", ", report.NotStreaming)}");
            foreach (string name in report.NotStreaming)
                await this[name].ReinitializeAsync(log, ct).ConfigureAwait(false);
            return await WaitUntilHealthyAsync(timeout / 2, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The current leader according to the first member that answers GET /cluster; null when none.</summary>
    public Task<string?> GetLeaderNameAsync(CancellationToken ct = default) => _probe.GetLeaderNameAsync(ct);

    /// <summary>Waits for a leader other than <paramref name="previousLeader"/> (after a kill or switchover).</summary>
    public async Task<string> WaitForNewLeaderAsync(string previousLeader, TimeSpan timeout, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var leader = await _probe.GetLeaderNameAsync(ct).ConfigureAwait(false);
            if (leader is not null && leader != previousLeader) return leader;
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"No new leader replaced {previousLeader} within {timeout.TotalSeconds:0.#} s (leader now: {leader ?? "none"}).");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    // Any status counts: Patroni answers 503 while PostgreSQL is still starting.
    private Task<bool> ApiAnswersAsync(Uri uri, CancellationToken ct) =>
        SandboxHttp.TryGetAsync(_http, uri, TimeSpan.FromSeconds(2), (_, _) => Task.FromResult(true), ct);

    private static string NewPassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 24);

    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    /// <summary>
    /// Tears down: SIGTERM to Patroni (SIGKILL after a few seconds), SIGKILL to every remaining process that
    /// names the folder (and PostgreSQL's children), then deletes the folder. Safe to call more than once.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var m in _members) m.BeginStop();
        var sw = Stopwatch.StartNew();
        while (_members.Any(m => m.PatroniPid is not null) && sw.Elapsed < TermGrace) Thread.Sleep(100);
        foreach (var m in _members) m.KillPatroni();

        var keep = _watchdog is { IsRunning: true } w ? new HashSet<int> { w.Pid } : [];
        for (var round = 0; round < 5; round++)
        {
            var left = ProcessTable.FindByCommandLine(Path + "/", keep);
            if (left.Count == 0) break;
            ProcessTable.KillWithChildren(left);
            ProcessTable.WaitGone(left, TimeSpan.FromSeconds(2));
        }
        foreach (var m in _members) m.ReleaseProcess();
        _etcd.Dispose();
        _http.Dispose();

        try
        {
            SandboxFolder.Delete(Path);
        }
        catch (Exception e)
        {
            // Leave the watchdog running: it deletes the folder when this process exits.
            _progress($"could not delete '{Path}' yet ({e.Message}); the watchdog will when this process exits");
            return;
        }
        _watchdog?.Dispose();
    }
}
