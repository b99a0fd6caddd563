using System.Net.Http.Headers;
using System.Text;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>What Patroni answered to an administrative request; <see cref="Status"/> 0: no answer in time.</summary>
/// <param name="Text">The body as one clean line (Patroni answers actions in plain text or HTML).</param>
public sealed record AdminAnswer(int Status, string Body, string Text, Uri Endpoint)
{
    public bool TimedOut => Status == 0;
}

/// <summary>
/// The administrative calls (restart, reload, reinitialize, PATCH/PUT /config, DELETE …) on the same HTTP client,
/// TLS trust and credential rules as switchover: the credential goes with every request that changes something,
/// and only over https unless allowed. The caller turns the status code into a result or an error.
/// </summary>
public sealed partial class PatroniRestClient
{
    /// <summary>
    /// Sends <paramref name="method"/> /<paramref name="path"/> with an optional JSON body. A request that
    /// could not be sent is a PatroniTopologyUnavailable error (callers may try another endpoint); no answer
    /// within <paramref name="timeout"/> is an answer with status 0 (it may have reached Patroni); 401/403 are
    /// PatroniAuthenticationFailed.
    /// </summary>
    public async Task<AdminAnswer> SendAdminAsync(HttpMethod method, Uri endpoint, string path, string? json,
        TimeSpan timeout, CancellationToken ct)
    {
        bool changes = method != HttpMethod.Get;
        if (changes)
            CheckCredentialTransport(endpoint);
        using var request = new HttpRequestMessage(method, new Uri(endpoint, path));
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (changes && _options.Credential is { } credential)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
                Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}")));
        int status;
        string body;
        try
        {
            (status, body) = await SendAsync(request, timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new AdminAnswer(0, "", $"no answer within {Seconds(timeout)}", endpoint);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(endpoint, $"{method.Method} /{path}", e);
        }
        if (status is 401 or 403)
            throw AuthFailed(endpoint, $"{method.Method} /{path}", status, body,
                credentialSent: changes && _options.Credential is not null);
        return new AdminAnswer(status, body, PatroniText.Clean(body), endpoint);
    }

    /// <summary>A request body as Patroni reads it ("+" in offsets and non-ASCII names as they are).</summary>
    public static string BodyText(object body) => System.Text.Json.JsonSerializer.Serialize(body, BodyJson);

    /// <summary>The read timeout of GET requests (restapi calls that answer at once).</summary>
    public TimeSpan ReadTimeout => _options.RequestTimeout;

    /// <summary>GET /history: the cluster's timeline switches.</summary>
    public async Task<IReadOnlyList<TimelineSwitch>> GetHistoryAsync(Uri endpoint, CancellationToken ct)
    {
        var (status, body) = await GetAsync(endpoint, "history", ct).ConfigureAwait(false);
        return Parse(endpoint, "/history", status, body, b => TimelineSwitch.ParseHistory(b, endpoint));
    }
}
