using System.Net;
using System.Text;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Patroni;

public class PatroniRestClientTests
{
    private const string Password = "pa$$-never-shown";
    private static readonly NetworkCredential Admin = new("admin", Password);

    private static PatroniRestClient Client(NetworkCredential? credential = null, bool allowHttp = false) =>
        new(new PatroniApiOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            Credential = credential,
            AllowCredentialOverHttp = allowHttp,
        });

    private static FakePatroniServer Patroni(Func<FakeRequest, FakeResponse?>? post = null) => new(r => r.Path switch
    {
        "/cluster" => new FakeResponse(200, Payloads.Read("3.0.2", "cluster.json")),
        "/patroni" => new FakeResponse(200, Payloads.Read("3.0.2", "patroni.json")),
        "/config" => new FakeResponse(200, Payloads.Read("3.0.2", "config.json")),
        _ when r.Method == "POST" && post is not null => post(r),
        _ => new FakeResponse(404, "not found", "text/plain"),
    });

    [Fact]
    public async Task Reads_cluster_status_and_config_from_a_server()
    {
        await using var server = Patroni();
        using var client = Client(Admin, allowHttp: true);
        var snapshot = await client.GetClusterAsync(server.Endpoint, default);
        Assert.Equal("n1", snapshot.RequireLeader().Name);
        Assert.Equal(server.Endpoint, snapshot.Source);
        Assert.Equal(MemberRole.Leader, (await client.GetNodeStatusAsync(server.Endpoint, default)).Role);
        Assert.Equal(10, (await client.GetConfigAsync(server.Endpoint, default)).Ttl);
        // Reads never carry the credential.
        Assert.All(server.Requests, r => Assert.False(r.Headers.ContainsKey("Authorization")));
        Assert.Equal(["/cluster", "/patroni", "/config"], server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Html_answer_is_NotPatroni()
    {
        await using var server = new FakePatroniServer(_ =>
            new FakeResponse(200, "<html><body>Welcome to nginx!</body></html>", "text/html"));
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(PatroniErrorIds.NotPatroni, e.ErrorId);
        Assert.Contains("not Patroni's REST API", e.Message);
        Assert.Contains("nginx", e.Message);
    }

    [Fact]
    public async Task Non_json_error_status_is_NotPatroni_with_the_status()
    {
        await using var server = new FakePatroniServer(_ => new FakeResponse(404, "Not Found", "text/plain"));
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(PatroniErrorIds.NotPatroni, e.ErrorId);
        Assert.Contains("HTTP 404", e.Message);
    }

    [Fact]
    public async Task Refused_connection_is_TopologyUnavailable()
    {
        using var client = Client();
        var endpoint = FakePatroniServer.RefusedEndpoint();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(endpoint, default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
        Assert.Equal(FailureKind.ConnectionError, e.Kind);
        Assert.Contains(endpoint.ToString(), e.Message);
    }

    [Fact]
    public async Task Silent_server_times_out_after_RequestTimeout()
    {
        await using var server = new FakePatroniServer(_ => null);
        using var client = new PatroniRestClient(new PatroniApiOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.GetClusterAsync(server.Endpoint, default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, e.Kind);
        Assert.Contains("0.3 s", e.Message);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_timeout()
    {
        await using var server = new FakePatroniServer(_ => null);
        using var client = Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetClusterAsync(server.Endpoint, cts.Token));
    }

    [Fact]
    public async Task Credential_is_never_sent_over_http_by_default()
    {
        await using var server = Patroni(_ => new FakeResponse(200, "Successfully switched over to \"n2\"", "text/plain"));
        using var client = Client(Admin);
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.SwitchoverAsync(server.Endpoint, "n1", "n2", null, default));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        Assert.Equal(FailureKind.SecurityError, e.Kind);
        Assert.Contains("plain http", e.Message);
        Assert.Contains("admin", e.Message);
        Assert.DoesNotContain(Password, e.Message);
        Assert.Empty(server.Requests); // refused before anything was sent

        var f = await Assert.ThrowsAsync<PatroniHaException>(() => client.FailoverAsync(server.Endpoint, "n2", default));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, f.ErrorId);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Credential_goes_with_POST_when_http_is_allowed()
    {
        await using var server = Patroni(_ => new FakeResponse(200, "Successfully switched over to \"n2\"", "text/plain"));
        using var client = Client(Admin, allowHttp: true);
        var outcome = await client.SwitchoverAsync(server.Endpoint, "n1", "n2", null, default);
        Assert.Equal(SwitchoverStatus.Completed, outcome.Status);
        Assert.Equal("Successfully switched over to \"n2\"", outcome.Message);
        var post = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.Equal("/switchover", post.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")),
            post.Headers["Authorization"]);
        Assert.Equal("""{"leader":"n1","candidate":"n2"}""", post.Body);
    }

    [Fact]
    public async Task Switchover_without_leader_reads_it_from_cluster_and_scheduled_at_is_sent()
    {
        await using var server = Patroni(_ => new FakeResponse(202, "Switchover scheduled", "text/plain"));
        using var client = Client();
        var at = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
        var outcome = await client.SwitchoverAsync(server.Endpoint, null, null, at, default);
        Assert.Equal((SwitchoverStatus.Scheduled, 202), (outcome.Status, outcome.HttpStatus));
        var post = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.Equal("""{"leader":"n1","scheduled_at":"2030-05-06T07:08:09+02:00"}""", post.Body);
        Assert.False(post.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Status_412_is_SwitchoverFailed_with_patronis_text()
    {
        await using var server = Patroni(_ =>
            new FakeResponse(412, "candidate name does not match with sync_standby", "text/plain"));
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.SwitchoverAsync(server.Endpoint, "n1", "n3", null, default));
        Assert.Equal(PatroniErrorIds.SwitchoverFailed, e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Contains("candidate name does not match with sync_standby", e.Message);
        Assert.Contains("HTTP 412", e.Message);
        Assert.Contains("'n3'", e.Message);
    }

    [Fact]
    public async Task Status_503_unknown_is_an_Unknown_outcome_and_503_failed_is_an_error()
    {
        await using var unknown = Patroni(_ => new FakeResponse(503, "Switchover status unknown", "text/plain"));
        using var client = Client();
        var outcome = await client.SwitchoverAsync(unknown.Endpoint, "n1", "n2", null, default);
        Assert.Equal((SwitchoverStatus.Unknown, 503), (outcome.Status, outcome.HttpStatus));
        Assert.Equal("Switchover status unknown", outcome.Message);

        await using var failed = Patroni(_ => new FakeResponse(503, "Failover failed", "text/plain"));
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.FailoverAsync(failed.Endpoint, "n2", default));
        Assert.Equal(PatroniErrorIds.SwitchoverFailed, e.ErrorId);
        Assert.Equal(FailureKind.ResourceUnavailable, e.Kind);
        Assert.Contains("Failover failed", e.Message);
        Assert.Equal("""{"candidate":"n2"}""", failed.Requests.Single().Body);
    }

    [Theory]
    [InlineData(401, "no auth header received", false, FailureKind.AuthenticationError, "pass -ApiCredential (on Connect-PatroniCluster")]
    [InlineData(401, "not authenticated", true, FailureKind.AuthenticationError, "user 'admin'")]
    [InlineData(401, "not authenticated", true, FailureKind.AuthenticationError, "with -ApiCredential (on Connect-PatroniCluster")]
    [InlineData(403, "Access is denied", true, FailureKind.PermissionDenied, "allowlist")]
    public async Task Status_401_403_is_AuthenticationFailed(int status, string text, bool withCredential,
        FailureKind kind, string hint)
    {
        await using var server = Patroni(_ => new FakeResponse(status, text, "text/plain"));
        using var client = Client(withCredential ? Admin : null, allowHttp: true);
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.SwitchoverAsync(server.Endpoint, "n1", "n2", null, default));
        Assert.Equal(PatroniErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(text, e.Message);
        Assert.Contains(hint, e.Message);
        Assert.DoesNotContain(Password, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Status_401_on_an_admin_change_names_ApiCredential(bool withCredential)
    {
        await using var server = Patroni(_ => new FakeResponse(401,
            withCredential ? "not authenticated" : "no auth header received", "text/plain"));
        using var client = Client(withCredential ? Admin : null, allowHttp: true);
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.SendAdminAsync(HttpMethod.Post,
            server.Endpoint, "restart", "{}", TimeSpan.FromSeconds(5), default));
        Assert.Equal(PatroniErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal(FailureKind.AuthenticationError, e.Kind);
        Assert.Contains("-ApiCredential", e.Message);
        Assert.Contains("restapi.authentication", e.Message);
        Assert.DoesNotContain(Password, e.Message);
    }

    [Theory]
    [InlineData(422, "Cannot schedule switchover in the past", PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument)]
    [InlineData(422, "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601", PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument)]
    [InlineData(400, "Timezone information is mandatory for the scheduled switchover", PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument)]
    [InlineData(400, "Can't schedule switchover in the paused state", PatroniErrorIds.SchedulePaused, FailureKind.InvalidOperation)]
    [InlineData(412, "candidate name does not match with sync_standby", PatroniErrorIds.SwitchoverFailed, FailureKind.InvalidOperation)]
    public async Task A_refused_schedule_is_PatroniScheduleInvalid_as_for_a_restart(int status, string text, string id, FailureKind kind)
    {
        await using var server = Patroni(_ => new FakeResponse(status, text, "text/plain"));
        using var client = Client();
        var at = new DateTimeOffset(2020, 1, 1, 2, 0, 0, TimeSpan.FromHours(1));
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.SwitchoverAsync(server.Endpoint, "n1", "n2", at, default));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(text, e.Message);
        if (id == PatroniErrorIds.ScheduleInvalid)
            Assert.Contains("2020-01-01 02:00:00 +01:00", e.Message);
        Assert.Contains("2020-01-01T02:00:00+01:00", server.Requests.Single().Body);

        // The same answers without a schedule stay Patroni's refusal of the switchover.
        await using var now = Patroni(_ => new FakeResponse(400, "Switchover could be performed only from a specific leader", "text/plain"));
        var refused = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.SwitchoverAsync(now.Endpoint, "n1", "n2", null, default));
        Assert.Equal(PatroniErrorIds.SwitchoverFailed, refused.ErrorId);
    }

    [Fact]
    public async Task Python_html_error_page_becomes_readable_text()
    {
        const string html = "<!DOCTYPE HTML>\n<html lang=\"en\"><head><title>Error response</title></head>\n" +
                            "<body><h1>Error response</h1><p>Error code: 400</p><p>Message: Bad Request.</p></body></html>";
        await using var server = Patroni(_ => new FakeResponse(400, html, "text/html"));
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => client.FailoverAsync(server.Endpoint, "n2", default));
        Assert.Equal(PatroniErrorIds.SwitchoverFailed, e.ErrorId);
        Assert.Contains("Error response Error code: 400 Message: Bad Request.", e.Message);
        Assert.DoesNotContain("<p>", e.Message);
    }

    [Fact]
    public async Task Post_to_refused_endpoint_is_SwitchoverFailed_not_sent()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => client.FailoverAsync(FakePatroniServer.RefusedEndpoint(), "n2", default));
        Assert.Equal(PatroniErrorIds.SwitchoverFailed, e.ErrorId);
        Assert.Equal(FailureKind.ConnectionError, e.Kind);
        Assert.Contains("was not sent", e.Message);
    }

    [Fact]
    public async Task Post_without_answer_in_time_is_Unknown()
    {
        await using var server = Patroni(_ => null);
        using var client = new PatroniRestClient(new PatroniApiOptions()) { ChangeRequestTimeout = TimeSpan.FromMilliseconds(300) };
        var outcome = await client.FailoverAsync(server.Endpoint, "n2", default);
        Assert.Equal(SwitchoverStatus.Unknown, outcome.Status);
        Assert.Contains("poll /cluster", outcome.Message);
    }
}
