using System.Diagnostics;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// One Patroni member of a sandbox (its Patroni process and the PostgreSQL it manages), with the crude
/// operations failover tests need: kill, suspend, restart.
/// </summary>
public sealed class SandboxMember
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(30);
    private readonly string _patroniBinary;
    private readonly Func<Uri, CancellationToken, Task<bool>> _apiAnswers;
    private readonly object _gate = new();
    private Process? _patroni;

    internal SandboxMember(string name, int pgPort, int apiPort, string folder, string patroniBinary, bool https,
        Func<Uri, CancellationToken, Task<bool>> apiAnswers)
    {
        ApiUrl = new Uri($"{(https ? "https" : "http")}://127.0.0.1:{apiPort}");
        Name = name;
        PgPort = pgPort;
        ApiPort = apiPort;
        Folder = folder;
        _patroniBinary = patroniBinary;
        _apiAnswers = apiAnswers;
    }

    /// <summary>n1, n2, …</summary>
    public string Name { get; }
    public int PgPort { get; }
    public int ApiPort { get; }
    /// <summary>http://127.0.0.1:PORT, or https:// when the sandbox uses TLS.</summary>
    public Uri ApiUrl { get; }
    public string Folder { get; }
    public string DataDir => System.IO.Path.Combine(Folder, "data");
    public string ConfigPath => System.IO.Path.Combine(Folder, "patroni.yml");
    /// <summary>Patroni's output, which includes PostgreSQL's own log lines.</summary>
    public string LogPath => System.IO.Path.Combine(Folder, "patroni.log");

    /// <summary>Pid of this member's Patroni; null when it is not running.</summary>
    public int? PatroniPid
    {
        get
        {
            lock (_gate) return _patroni is { HasExited: false } p ? p.Id : null;
        }
    }

    /// <summary>Pid of the postmaster from postmaster.pid; null when PostgreSQL is not running.</summary>
    public int? PostgresPid
    {
        get
        {
            string? first;
            try { first = File.ReadLines(System.IO.Path.Combine(DataDir, "postmaster.pid")).FirstOrDefault(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
            // A stale file after a crash may name a pid that now belongs to someone else.
            return int.TryParse(first, out var pid) && ProcessTable.IsAlive(pid)
                   && ProcessTable.ReadCommandLine(pid)?.Contains(DataDir, StringComparison.Ordinal) == true
                ? pid
                : null;
        }
    }

    /// <summary>SIGKILLs Patroni only. PostgreSQL keeps running: on the leader that is a "zombie primary".</summary>
    public void KillPatroni()
    {
        lock (_gate)
        {
            if (_patroni is not { HasExited: false } p) return;
            NativeProcess.Signal(p.Id, NativeProcess.SigKill);
            p.WaitForExit(5000);
        }
    }

    /// <summary>SIGKILLs the postmaster and its children, like a crash of the PostgreSQL host.</summary>
    public void KillPostgres()
    {
        if (PostgresPid is not { } pid) return;
        ProcessTable.KillWithChildren([pid]);
        ProcessTable.WaitGone([pid], TimeSpan.FromSeconds(5));
    }

    /// <summary>SIGKILLs Patroni, then PostgreSQL (in that order, so Patroni cannot restart it).</summary>
    public void Kill()
    {
        KillPatroni();
        KillPostgres();
    }

    /// <summary>SIGSTOPs Patroni: its REST endpoint accepts connections and never answers, and its HA loop
    /// stops (a suspended leader loses the leader key after ttl).</summary>
    public void SuspendApi()
    {
        if (PatroniPid is { } pid) NativeProcess.Signal(pid, NativeProcess.SigStop);
    }

    /// <summary>Replaces a SIGSTOPped Patroni by a fresh one (SIGKILL works on a stopped process), without ever resuming it.</summary>
    public Task RestartFrozenPatroniAsync(CancellationToken ct = default)
    {
        KillPatroni();
        return StartAsync(ct);
    }

    /// <summary>
    /// POST /reinitialize {"force": true} to this member's Patroni until it takes it (it refuses while busy): the
    /// member is rebuilt from the leader (a diverged timeline, a replica promoted behind Patroni's back).
    /// </summary>
    public async Task ReinitializeAsync(Action<string> log, CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string last = "";
        for (int i = 0; i < 30; i++)
        {
            try
            {
                using var body = new StringContent("{\"force\": true}", System.Text.Encoding.UTF8, "application/json");
                using HttpResponseMessage response = await http.PostAsync(new Uri(ApiUrl, "/reinitialize"), body, ct)
                    .ConfigureAwait(false);
                last = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    log($"reinitialize {Name}: {last}");
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"{Name} was not reinitialized: {last}");
    }

    /// <summary>SIGCONTs Patroni after <see cref="SuspendApi"/>.</summary>
    public void ResumeApi()
    {
        if (PatroniPid is { } pid) NativeProcess.Signal(pid, NativeProcess.SigCont);
    }

    /// <summary>SIGSTOPs Patroni and PostgreSQL (the postmaster and every child, walreceiver included): the
    /// whole member hangs, its TCP connections stay open. A synchronous standby frozen so keeps the primary's
    /// commits waiting in SyncRep.</summary>
    public void Freeze() => SignalMember(NativeProcess.SigStop);

    /// <summary>SIGCONTs everything <see cref="Freeze"/> stopped.</summary>
    public void Thaw() => SignalMember(NativeProcess.SigCont);

    private void SignalMember(int signal)
    {
        var pids = new List<int>();
        if (PatroniPid is { } patroni) pids.Add(patroni);
        if (PostgresPid is { } postmaster)
        {
            pids.Add(postmaster);
            pids.AddRange(ProcessTable.AllPids().Where(pid => ProcessTable.ReadStat(pid)?.Parent == postmaster));
        }
        foreach (int pid in pids) NativeProcess.Signal(pid, signal);
    }

    /// <summary>Starts this member's Patroni (again) and waits until its REST API answers. No-op when running.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Launch() is not { } process) return;
        var deadline = Stopwatch.StartNew();
        while (!await _apiAnswers(new Uri(ApiUrl, "/patroni"), ct).ConfigureAwait(false))
        {
            if (process.HasExited || deadline.Elapsed > GracefulStop)
                throw new PatroniHaException(PatroniErrorIds.SandboxStartFailed, FailureKind.ResourceUnavailable,
                    $"Patroni of sandbox member {Name} " + (process.HasExited
                        ? $"exited with code {process.ExitCode}"
                        : $"did not answer on {ApiUrl} within {GracefulStop.TotalSeconds:0} s")
                    + $".{Environment.NewLine}{LogTail.Of(LogPath)}", Name);
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Starts Patroni without waiting; null when it is already running.</summary>
    internal Process? Launch()
    {
        lock (_gate)
        {
            if (_patroni is { HasExited: false }) return null;
            _patroni?.Dispose();
            return _patroni = ProcessLauncher.Start(_patroniBinary, [ConfigPath], LogPath, Folder,
                asServiceUser: true);
        }
    }

    /// <summary>Exit code when Patroni has exited since it was started; null while running or never started.</summary>
    internal int? ExitCode
    {
        get
        {
            lock (_gate) return _patroni is { HasExited: true } p ? p.ExitCode : null;
        }
    }

    /// <summary>Graceful stop: SIGTERM (Patroni stops PostgreSQL, a leader gives up its key), SIGKILL after 30 s.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!BeginStop()) return;
        var sw = Stopwatch.StartNew();
        while (PatroniPid is not null && sw.Elapsed < GracefulStop)
            await Task.Delay(100, ct).ConfigureAwait(false);
        KillPatroni();
    }

    /// <summary>Sends SIGCONT (a suspended process cannot act on SIGTERM) and SIGTERM; false when not running.</summary>
    internal bool BeginStop()
    {
        if (PatroniPid is not { } pid) return false;
        NativeProcess.Signal(pid, NativeProcess.SigCont);
        NativeProcess.Signal(pid, NativeProcess.SigTerm);
        return true;
    }

    /// <summary>Releases the Process handle once the sandbox is torn down (the process is gone by then).</summary>
    internal void ReleaseProcess()
    {
        lock (_gate)
        {
            _patroni?.Dispose();
            _patroni = null;
        }
    }

    public override string ToString() => $"{Name} (pg {PgPort}, api {ApiPort})";
}
