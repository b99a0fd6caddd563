using Npgsql;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Execution;
using PatroniHa.Engine.Execution.Transactions;
using PatroniHa.Engine.Health;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Routing;
using PatroniHa.Engine.Routing.Reads;
using PatroniHa.Engine.Topology;

namespace PatroniHa.Engine.Sessions;

/// <summary>
/// One connection to a database service, in either mode: the current backend (router, pools, monitor),
/// statistics that survive a mode switch, and the event log cmdlets drain on the pipeline thread.
/// </summary>
public sealed class ClusterSession : IAsyncDisposable
{
    private readonly Func<ClusterOptions, ITopologySource> _topologySourceFactory;
    private readonly SemaphoreSlim _switchGate = new(1, 1);
    private readonly QueryExecutor _executor;
    private ClusterBackend _backend = null!;
    private CommitMarkers? _markers;
    private int _disposed;

    private ClusterSession(Func<ClusterOptions, ITopologySource> topologySourceFactory)
    {
        _topologySourceFactory = topologySourceFactory;
        _executor = new QueryExecutor(Statistics, Reads);
    }

    public SessionStatistics Statistics { get; } = new();

    public SessionEventLog Events { get; } = new();

    /// <summary>Read routing: the session's read policy, its last commit position, read statistics.</summary>
    public ReadRouter Reads { get; } = new();

    public ClusterBackend Backend => Volatile.Read(ref _backend);

    public ClusterOptions Options => Backend.Options;

    public ClusterMode Mode => Backend.Mode;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Discovers the cluster (Patroni mode), checks a login works, starts the monitor.</summary>
    public static async Task<ClusterSession> ConnectAsync(ClusterOptions options,
        Func<ClusterOptions, ITopologySource> topologySourceFactory, CancellationToken ct)
    {
        var session = new ClusterSession(topologySourceFactory);
        session._backend = await session.CreateBackendAsync(options, ct).ConfigureAwait(false);
        return session;
    }

    /// <summary>Every write also writes a commit marker, so a lost COMMIT answer can be settled (-TrackCommitOutcome).</summary>
    public bool TracksCommitOutcome => _markers is not null;

    /// <summary>Turns on commit-outcome tracking: creates the marker table in the session's database now.</summary>
    public async Task EnableCommitTrackingAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        var markers = new CommitMarkers();
        await EnsureMarkersAsync(markers, Options.Database, ct).ConfigureAwait(false);
        _markers = markers;
    }

    // Once per backend (a mode switch may reach another server) and database.
    private Task EnsureMarkersAsync(CommitMarkers markers, string database, CancellationToken ct)
    {
        ClusterBackend backend = Backend;
        string key = $"{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(backend)}/{database}";
        return markers.EnsureAsync(key, (sql, token) =>
            _executor.ExecuteAsync(backend, new QueryRequest(sql) { Database = database, Shape = QueryShape.NonQuery, CountInStatistics = false },
                null, token), ct);
    }

    /// <summary>
    /// Opens attempt <paramref name="number"/> of a transaction on the current leader. The caller runs statements
    /// on it and ends it with <see cref="TransactionAttempt.EndAsync"/>; disposing it rolls back what was not ended.
    /// </summary>
    public async Task<TransactionAttempt> BeginTransactionAsync(TransactionOptions options, int number, CancellationToken ct)
    {
        ThrowIfDisposed();
        // A transaction's commit position is not learned: read-your-writes reads after it go to the leader
        // until a plain write learns a newer one.
        Reads.RecordUncapturedWrite();
        CommitMarkers? markers = _markers;
        if (markers is not null)
            await EnsureMarkersAsync(markers, options.Database ?? Options.Database, ct).ConfigureAwait(false);
        while (true)
        {
            ClusterBackend backend = Backend;
            if (!backend.Enter())
                continue;
            try
            {
                return await TransactionAttempt.OpenAsync(_executor, backend, options, markers, Events, number,
                    backend.Exit, ct).ConfigureAwait(false);
            }
            catch (ObjectDisposedException ex) when (IsDisposed)
            {
                backend.Exit();
                throw QueryErrors.Disconnected(new QueryRequest(options.BeginSql), ex);
            }
            catch
            {
                backend.Exit();
                throw;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="batch"/> (one or more statements) as one transaction on the leader, whole again when
    /// it provably did not commit (up to <see cref="TransactionOptions.MaxAttempts"/>); rows reach
    /// <paramref name="sink"/> after COMMIT.
    /// </summary>
    public Task<QueryResult> RunTransactionAsync(QueryRequest batch, TransactionOptions options, IRowSink? sink,
        CancellationToken ct) =>
        TransactionRunner.RunBatchAsync((n, t) => BeginTransactionAsync(options, n, t), batch, sink, ct);

    public async Task<QueryResult> ExecuteAsync(QueryRequest request, IRowSink? sink, CancellationToken ct)
    {
        ThrowIfDisposed();
        if (!request.ReadOnly && TransactionControlGuard.Find(request.Sql) is { } keyword)
            throw TransactionErrors.ControlInStatement(keyword, request);
        if (_markers is not null && !request.ReadOnly)
        {
            var options = new TransactionOptions { Database = request.Database, TimeoutSeconds = request.TimeoutSeconds, MaxAttempts = 2 };
            try
            {
                QueryResult result = await TransactionRunner.RunTrackedAsync((n, t) => BeginTransactionAsync(options, n, t),
                    request, sink, ct).ConfigureAwait(false);
                if (request.CountInStatistics)
                    Statistics.CountWrite();
                return result;
            }
            catch (Exception ex) when (ex is not CannotRunInTransaction)
            {
                // As the untracked path: the drill's probe writes and a cancelled statement are not counted.
                if (request.CountInStatistics && !ct.IsCancellationRequested)
                    Statistics.CountError();
                throw;
            }
            catch (CannotRunInTransaction)
            {
                // It refused to run inside BEGIN … COMMIT (an ERROR: nothing ran): run it as it is, untracked.
            }
        }
        while (true)
        {
            ClusterBackend backend = Backend;
            // A backend being retired by a mode switch takes no new queries: take the new one.
            if (!backend.Enter())
                continue;
            try
            {
                return await _executor.ExecuteAsync(backend, request, sink, ct).ConfigureAwait(false);
            }
            catch (ObjectDisposedException ex) when (IsDisposed)
            {
                // Disconnected while the statement waited for a leader (nothing was sent: a sent one is classified).
                throw QueryErrors.Disconnected(request, ex);
            }
            finally
            {
                backend.Exit();
            }
        }
    }

    /// <summary>The members as Patroni lists them; in single-node mode the one server as leader.</summary>
    public async Task<IReadOnlyList<PatroniMember>> GetTopologyAsync(bool refresh, CancellationToken ct)
    {
        ThrowIfDisposed();
        // One read of Backend: a mode switch in between must not mix two backends.
        return await Backend.GetMembersAsync(refresh, ct).ConfigureAwait(false);
    }

    public Task<HealthReport> GetHealthAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        return HealthChecker.CheckAsync(Backend, Statistics, ct);
    }

    /// <summary>
    /// Moves the session to <paramref name="options"/> (the other mode, usually). The new backend is built and
    /// checked first; if that fails the session stays as it was. Running queries finish on the old backend,
    /// whose pools are closed once they have.
    /// </summary>
    public async Task SwitchAsync(ClusterOptions options, CancellationToken ct)
    {
        ThrowIfDisposed();
        await _switchGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed(); // disconnected while this switch waited for another
            ClusterBackend replacement = await CreateBackendAsync(options, ct).ConfigureAwait(false);
            ClusterBackend old = Interlocked.Exchange(ref _backend, replacement);
            await RetireAsync(old, ct).ConfigureAwait(false);
        }
        finally
        {
            _switchGate.Release();
        }
    }

    /// <summary>
    /// Lets the old backend's queries finish, for at most the failover timeout (or until cancelled), then closes
    /// it: what still runs is broken off (writes end as outcome-unknown), and the event log says so.
    /// </summary>
    private async Task RetireAsync(ClusterBackend old, CancellationToken ct)
    {
        try
        {
            await old.RetireAsync(old.Options.FailoverTimeout, ct).ConfigureAwait(false);
        }
        finally
        {
            int running = old.InFlight;
            await old.DisposeAsync().ConfigureAwait(false);
            if (running > 0)
                Events.Warning($"{running} statement(s) still running on the previous backend after {old.Options.FailoverTimeout.TotalSeconds:0} s " +
                               "(or the switch was cancelled) were broken off: writes among them may or may not have committed.");
        }
    }

    private async Task<ClusterBackend> CreateBackendAsync(ClusterOptions options, CancellationToken ct)
    {
        ClusterBackend backend;
        if (options.Mode == ClusterMode.SingleNode)
        {
            backend = new SingleNodeBackend(options);
        }
        else
        {
            var monitor = new TopologyMonitor(_topologySourceFactory(options), options.HealthCheckInterval,
                options.FailoverTimeout, Statistics, Events);
            try
            {
                await monitor.StartAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await monitor.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            backend = new PatroniBackend(options, monitor);
        }

        try
        {
            await backend.StartAsync(ct).ConfigureAwait(false);
            await CheckLoginAsync(backend, ct).ConfigureAwait(false);
            return backend;
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Bad credentials or an unreachable server should fail the connect, not the first query.
    private async Task CheckLoginAsync(ClusterBackend backend, CancellationToken ct)
    {
        RouteTarget? target = backend.Writer ?? backend.Readers().FirstOrDefault();
        if (target is null)
        {
            Events.Warning("No primary node found in cluster: writes will wait for one (up to the failover timeout).");
            return;
        }
        try
        {
            await using NpgsqlConnection connection = await backend.DataSource(target, null).OpenConnectionAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is "28P01" or "28000" or "3D000")
        {
            throw QueryErrors.Configuration(target, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException && IsTlsRejection(ex) && !ct.IsCancellationRequested)
        {
            TlsOptionsHint tls = new(backend.Options.Tls);
            throw new PatroniHaException(PatroniErrorIds.DatabaseOperationFailed, FailureKind.SecurityError,
                $"Database operation failed: the TLS connection to {target} was not accepted ({QueryErrors.Reason(ex)}). " +
                tls.Advice, target.ToString(), ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new PatroniHaException(PatroniErrorIds.DatabaseOperationFailed, FailureKind.ConnectionError,
                $"Database operation failed: {QueryErrors.Reason(ex)} (connecting to {target}). Verify PostgreSQL is " +
                "running there, that pg_hba.conf allows connections from this host, and the credentials " +
                "(-Credential, or PATRONI_USER and PATRONI_PASSWORD).", target.ToString(), ex);
        }
    }

    internal static bool IsTlsRejection(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
                return true;
        }
        return false;
    }

    /// <summary>What to check when PostgreSQL's certificate was refused, for the SslMode in use.</summary>
    private readonly record struct TlsOptionsHint(PostgresTlsOptions Tls)
    {
        public string Advice =>
            $"With -SslMode {Tls.SslMode} the server's certificate must be signed by the CA in -RootCertificate " +
            $"(PATRONI_SSLROOTCERT{(Tls.RootCertificate is null ? ", not set: the system's trust store is used" : ": " + Tls.RootCertificate)})" +
            (Tls.SslMode.Equals("VerifyFull", StringComparison.OrdinalIgnoreCase)
                ? " and name the host connected to (connect by a name or address the certificate lists)."
                : ".");
    }

    private void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new PatroniHaException(PatroniErrorIds.NotConnected, FailureKind.InvalidOperation,
                "This session is disconnected. Connect again with Connect-PatroniCluster.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // A switch in progress finishes first, so the backend it installs is the one disposed here.
        // (The gate itself is not disposed: a switch racing this one must still be able to wait on it.)
        await _switchGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Reads.Dispose();
            await Backend.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _switchGate.Release();
        }
    }
}
