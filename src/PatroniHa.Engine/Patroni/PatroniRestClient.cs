using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>
/// Patroni's REST API over HTTP(S). Reads are unauthenticated; the credential goes only with the requests
/// that change the cluster (POST /switchover, /failover) and only over https unless allowed.
/// </summary>
public sealed partial class PatroniRestClient : IPatroniClusterSource, IDisposable
{
    // Patroni reads the body as JSON only (never HTML), so "+" in offsets and non-ASCII names go as-is.
    private static readonly JsonSerializerOptions BodyJson =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly PatroniApiOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public PatroniRestClient(PatroniApiOptions options, TimeProvider? time = null)
        : this(options, PatroniHttpHandler.Create(options), time)
    {
    }

    internal PatroniRestClient(PatroniApiOptions options, HttpMessageHandler handler, TimeProvider? time)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(handler, disposeHandler: true)
        {
            // Each call sets its own deadline; HttpClient's single global timeout would not fit both.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = 8 * 1024 * 1024,
        };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("PatroniHa/0.1");
    }

    /// <summary>
    /// Deadline for switchover/failover. Patroni answers only after it has watched the new leader take over
    /// (it polls for up to ~15 s before saying "status unknown"), so the read timeout would cut it short.
    /// </summary>
    public TimeSpan ChangeRequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<ClusterSnapshot> GetClusterAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(endpoint, "cluster", cancellationToken).ConfigureAwait(false);
        return Parse(endpoint, "/cluster", status, body,
            b => PatroniJson.ParseCluster(b, endpoint, _time.GetUtcNow()));
    }

    public async Task<PatroniNodeStatus> GetNodeStatusAsync(Uri endpoint, CancellationToken cancellationToken) =>
        await GetNodeStatusAsync(endpoint, null, cancellationToken).ConfigureAwait(false);

    /// <param name="timeout">Overrides the per-request timeout (the lease's checks are bounded by its own).</param>
    public async Task<PatroniNodeStatus> GetNodeStatusAsync(Uri endpoint, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(endpoint, "patroni", cancellationToken, timeout).ConfigureAwait(false);
        return Parse(endpoint, "/patroni", status, body, b => PatroniJson.ParseNodeStatus(b, endpoint));
    }

    public async Task<PatroniDynamicConfig> GetConfigAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(endpoint, "config", cancellationToken).ConfigureAwait(false);
        return Parse(endpoint, "/config", status, body, b => PatroniJson.ParseConfig(b, endpoint));
    }

    /// <summary>GET /config from the first of <paramref name="endpoints"/> that answers (every member serves the DCS copy).</summary>
    public Task<PatroniDynamicConfig> GetConfigAsync(IReadOnlyList<Uri> endpoints, CancellationToken cancellationToken) =>
        FirstAnswerAsync(endpoints, (e, c) => GetConfigAsync(e, c), _ => true, cancellationToken);

    /// <summary>
    /// Asks each endpoint in turn; only a failure <paramref name="movesOn"/> accepts (the request never reached
    /// that endpoint) moves on to the next one: anything Patroni answered is final.
    /// </summary>
    internal static async Task<T> FirstAnswerAsync<T>(IReadOnlyList<Uri> endpoints,
        Func<Uri, CancellationToken, Task<T>> call, Func<PatroniHaException, bool> movesOn, CancellationToken ct)
    {
        PatroniHaException? last = null;
        foreach (Uri endpoint in endpoints)
        {
            try
            {
                return await call(endpoint, ct).ConfigureAwait(false);
            }
            catch (PatroniHaException e) when (movesOn(e) && !ct.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw last ?? new PatroniHaException(PatroniErrorIds.TopologyUnavailable, FailureKind.ConnectionError,
            "No Patroni REST endpoint is known for this session.");
    }

    /// <summary>
    /// GET /primary on one member's own endpoint: the leader-lease check. Patroni 3.0.2 (api.py do_GET) answers
    /// 200 there only while <c>ha.is_leader()</c>, i.e. while that member's Patroni holds the leader lock (it
    /// stays true until ttl after its last successful lock update and is reset when it demotes); every other
    /// member answers 503. The body is the node's status (/patroni's): the role and state are checked too.
    /// A hang counts like a refusal: the request ends after <paramref name="timeout"/> with an error.
    /// </summary>
    public async Task<LeaderConfirmation> ConfirmLeaderAsync(Uri endpoint, TimeSpan timeout, CancellationToken ct)
    {
        var (status, body) = await GetAsync(endpoint, "primary", ct, timeout).ConfigureAwait(false);
        PatroniNodeStatus node = Parse(endpoint, "/primary", status, body, b => PatroniJson.ParseNodeStatus(b, endpoint));
        string? why = status != 200 ? $"its Patroni does not hold the leader lock (GET /primary answered HTTP {status}, role {node.RawRole ?? "unknown"})"
            : !node.IsPrimary ? $"its Patroni holds the lock but PostgreSQL runs as {node.RawRole ?? "unknown"}"
            : node.State != "running" ? $"its PostgreSQL is {node.State}"
            : null;
        return new LeaderConfirmation(why is null, why, node);
    }

    /// <summary>
    /// POST /switchover. Without <paramref name="leader"/> the current leader is read from /cluster first
    /// (Patroni requires the field). Without <paramref name="candidate"/> any healthy standby may win.
    /// </summary>
    public async Task<SwitchoverOutcome> SwitchoverAsync(Uri endpoint, string? leader, string? candidate,
        DateTimeOffset? scheduledAt, CancellationToken cancellationToken)
    {
        CheckCredentialTransport(endpoint);
        leader ??= (await GetClusterAsync(endpoint, cancellationToken).ConfigureAwait(false)).RequireLeader().Name;
        var body = new Dictionary<string, string> { ["leader"] = leader };
        if (!string.IsNullOrEmpty(candidate))
            body["candidate"] = candidate;
        if (scheduledAt is { } at)
            body["scheduled_at"] = at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        return await ChangeAsync(endpoint, "switchover", body, $"from '{leader}' to '{candidate ?? "any healthy standby"}'",
            cancellationToken, scheduledAt).ConfigureAwait(false);
    }

    /// <summary>POST /failover: promote <paramref name="candidate"/>, also when there is no leader.</summary>
    public Task<SwitchoverOutcome> FailoverAsync(Uri endpoint, string candidate, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(candidate);
        var body = new Dictionary<string, string> { ["candidate"] = candidate };
        return ChangeAsync(endpoint, "failover", body, $"to '{candidate}'", cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<(int Status, string Body)> GetAsync(Uri endpoint, string path, CancellationToken ct,
        TimeSpan? timeout = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, path));
        TimeSpan limit = timeout ?? _options.RequestTimeout;
        try
        {
            return await SendAsync(request, limit, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new PatroniHaException(PatroniErrorIds.TopologyUnavailable, FailureKind.OperationTimeout,
                $"{endpoint} did not answer GET /{path} within {Seconds(limit)} (a frozen Patroni counts as down).", endpoint);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(endpoint, $"GET /{path}", e);
        }
    }

    private T Parse<T>(Uri endpoint, string path, int status, string body, Func<string, T> parse)
    {
        if (status is 401 or 403)
            throw AuthFailed(endpoint, $"GET {path}", status, body, credentialSent: false);
        try
        {
            return parse(body);
        }
        catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.NotPatroni && status is < 200 or > 299)
        {
            // Patroni sends JSON even on 503 (health endpoints); a non-2xx non-JSON answer is someone else.
            throw PatroniJson.NotPatroni(endpoint, path,
                $"it answered HTTP {status} with {PatroniJson.Excerpt(body)}", e);
        }
    }

    private async Task<SwitchoverOutcome> ChangeAsync(Uri endpoint, string action, Dictionary<string, string> body,
        string what, CancellationToken ct, DateTimeOffset? scheduledAt = null)
    {
        CheckCredentialTransport(endpoint);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, action))
        {
            Content = new StringContent(JsonSerializer.Serialize(body, BodyJson), Encoding.UTF8, "application/json"),
        };
        if (_options.Credential is { } credential)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
                Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}")));

        int status;
        string text;
        try
        {
            (status, text) = await SendAsync(request, ChangeRequestTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The request may have reached Patroni: the outcome is unknown, not failed.
            return new SwitchoverOutcome(SwitchoverStatus.Unknown, 0,
                $"No answer to POST /{action} within {Seconds(ChangeRequestTimeout)}; poll /cluster for the leader.",
                endpoint);
        }
        catch (HttpRequestException e)
        {
            throw new PatroniHaException(PatroniErrorIds.SwitchoverFailed, FailureKind.ConnectionError,
                $"The {action} {what} was not sent: cannot reach {endpoint} ({Reason(e)}).", endpoint, e);
        }

        var message = PatroniText.Clean(text);
        if (scheduledAt is { } at && ScheduleRefusal.From(status, message, $"Patroni at {endpoint}", action, at, endpoint,
                $"run Invoke-Patroni{char.ToUpperInvariant(action[0])}{action[1..]} without -ScheduledAt") is { } refused)
            throw refused;
        return status switch
        {
            200 => new SwitchoverOutcome(SwitchoverStatus.Completed, status, message, endpoint),
            202 => new SwitchoverOutcome(SwitchoverStatus.Scheduled, status, message, endpoint),
            401 or 403 => throw AuthFailed(endpoint, $"POST /{action}", status, text, _options.Credential is not null),
            503 when message.Contains("unknown", StringComparison.OrdinalIgnoreCase) =>
                new SwitchoverOutcome(SwitchoverStatus.Unknown, status, message, endpoint),
            _ => throw Refused(endpoint, action, what, status, message),
        };
    }

    private static PatroniHaException Refused(Uri endpoint, string action, string what, int status, string message)
    {
        var (kind, hint) = status switch
        {
            412 => (FailureKind.InvalidOperation,
                "Check `patronictl -c /etc/patroni.yml list`: the leader name must match, and the candidate must " +
                "be running, without the nofailover tag, within maximum_lag_on_failover and, in synchronous " +
                "mode, the synchronous standby."),
            400 => (FailureKind.InvalidArgument, "Patroni could not read the request."),
            503 => (FailureKind.ResourceUnavailable,
                "Patroni gave up waiting for the new leader; check `patronictl -c /etc/patroni.yml list`."),
            _ => (FailureKind.InvalidResult, "Check the Patroni log on that member."),
        };
        return new PatroniHaException(PatroniErrorIds.SwitchoverFailed, kind,
            $"Patroni refused the {action} {what} (HTTP {status} from {endpoint}): {message}. {hint}", endpoint);
    }

    /// <param name="credentialSent">Whether the request carried the session's (or the cmdlet's) credential.</param>
    private PatroniHaException AuthFailed(Uri endpoint, string request, int status, string body, bool credentialSent)
    {
        const string Pass = "-ApiCredential (on Connect-PatroniCluster for the whole session, or on this cmdlet)";
        var text = PatroniText.Clean(body);
        bool isRead = request.StartsWith("GET ", StringComparison.Ordinal);
        var (kind, hint) = status == 401
            ? (FailureKind.AuthenticationError,
                credentialSent
                    ? $"Patroni refused the REST API credential of user '{_options.Credential?.UserName}': check it " +
                      $"against restapi.authentication in patroni.yml and pass the right one with {Pass}."
                    : isRead
                        ? "Patroni asks no credential for reads (restapi.authentication guards only changes), so " +
                          "something in front of its REST API does; the module sends -ApiCredential only with " +
                          "requests that change the cluster."
                        : "Patroni requires a REST API user for this request (restapi.authentication in " +
                          $"patroni.yml): pass {Pass}.")
            : (FailureKind.PermissionDenied,
                "Patroni denied access: check restapi.allowlist and, with verify_client, the client certificate.");
        return new PatroniHaException(PatroniErrorIds.AuthenticationFailed, kind,
            $"{endpoint} refused {request} (HTTP {status}: {text}). {hint}", endpoint);
    }

    /// <summary>Basic auth over http would show the password to anyone on the path; refuse unless allowed.</summary>
    private void CheckCredentialTransport(Uri endpoint)
    {
        if (_options.Credential is not { } credential || endpoint.Scheme == Uri.UriSchemeHttps
            || _options.AllowCredentialOverHttp)
            return;
        throw new PatroniHaException(PatroniErrorIds.InvalidConfiguration, FailureKind.SecurityError,
            $"Refusing to send the Patroni REST API credential (user '{credential.UserName}') over plain http " +
            $"to {endpoint}: it would cross the network unencrypted. Use an https:// endpoint (restapi.certfile), " +
            "or set AllowCredentialOverHttp if this network is trusted.", endpoint);
    }

    private async Task<(int Status, string Body)> SendAsync(HttpRequestMessage request, TimeSpan timeout,
        CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead,
                deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    private static PatroniHaException Unreachable(Uri endpoint, string request, HttpRequestException e)
    {
        var tls = e.InnerException is AuthenticationException;
        return new PatroniHaException(PatroniErrorIds.TopologyUnavailable,
            tls ? FailureKind.SecurityError : FailureKind.ConnectionError,
            tls
                ? $"TLS with {endpoint} failed ({Reason(e)}). Trust its CA with -ApiRootCertificate " +
                  "(a PEM file), or use -SkipCertificateCheck for a test cluster only."
                : $"Cannot reach {endpoint} ({request}): {Reason(e)}.",
            endpoint, e);
    }

    private static string Reason(HttpRequestException e)
    {
        var inner = e.InnerException;
        var message = inner is not null && inner.Message.Length > 0 ? inner.Message : e.Message;
        return message.TrimEnd('.');
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";
}
