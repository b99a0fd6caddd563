using System.Net;
using PatroniHa.Engine.Administration;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Tests.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Administration;

/// <summary>
/// Every answer Patroni gives to POST/DELETE /restart and POST /reload becomes a result or an error with a stable
/// id. The texts are Patroni's own (api.py); the server is a fake that answers them, so each code is exercised.
/// </summary>
public class MemberActionAnswerTests
{
    private static PatroniRestClient Client(NetworkCredential? credential = null, bool allowHttp = false) =>
        new(new PatroniApiOptions { RequestTimeout = TimeSpan.FromSeconds(5), Credential = credential, AllowCredentialOverHttp = allowHttp });

    private static PatroniMember Member(FakePatroniServer server) =>
        new("n2", "127.0.0.1", 5432, MemberRole.Replica, "running", 1, 0, new Dictionary<string, object?>(),
            new Uri(server.Endpoint, "patroni"));

    private static FakePatroniServer Answering(int status, string text) =>
        new(_ => new FakeResponse(status, text, "text/html"));

    [Theory]
    [InlineData(200, "restarted successfully", MemberActionStatus.Done)]
    [InlineData(503, "restart conditions are not satisfied", MemberActionStatus.Skipped)]
    public async Task Restart_answers_that_are_results(int status, string text, MemberActionStatus expected)
    {
        await using var server = Answering(status, text);
        using var client = Client();
        MemberActionResult r = await MemberActions.RestartAsync(client, Member(server), new RestartRequest { PendingOnly = true }, 5, default);
        Assert.Equal(expected, r.Status);
        Assert.Equal(text, r.Message);
        FakeRequest sent = Assert.Single(server.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/restart", sent.Path);
        Assert.Equal("""{"restart_pending":true}""", sent.Body);
    }

    [Fact]
    public async Task A_scheduled_restart_sends_the_time_with_its_offset_and_is_Scheduled()
    {
        await using var server = Answering(202, "Restart scheduled");
        using var client = Client();
        var at = new DateTimeOffset(2099, 1, 1, 2, 0, 0, TimeSpan.FromHours(2));
        MemberActionResult r = await MemberActions.RestartAsync(client, Member(server),
            new RestartRequest { ScheduledAt = at, PostgresVersion = "15.6", StartTimeout = TimeSpan.FromSeconds(90) }, null, default);
        Assert.Equal(MemberActionStatus.Scheduled, r.Status);
        Assert.Equal(at, r.ScheduledAt);
        Assert.Equal("""{"postgres_version":"15.6","schedule":"2099-01-01T02:00:00+02:00","timeout":90}""", Assert.Single(server.Requests).Body);
    }

    [Theory]
    [InlineData(409, "Another restart is already scheduled", PatroniErrorIds.RestartAlreadyScheduled, FailureKind.ResourceExists, true)]
    [InlineData(422, "Cannot schedule restart in the past", PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument, true)]
    [InlineData(400, "Timezone information is mandatory for the scheduled restart", PatroniErrorIds.ScheduleInvalid, FailureKind.InvalidArgument, true)]
    [InlineData(500, "Can't schedule restart in the paused state", PatroniErrorIds.SchedulePaused, FailureKind.InvalidOperation, true)]
    [InlineData(503, "restart already in progress", PatroniErrorIds.ActionInProgress, FailureKind.ResourceBusy, false)]
    [InlineData(503, "postgres is still starting", PatroniErrorIds.ActionInProgress, FailureKind.ResourceBusy, false)]
    [InlineData(503, "restart failed", PatroniErrorIds.RestartFailed, FailureKind.ResourceUnavailable, false)]
    [InlineData(400, "KeyError: 'foo'", PatroniErrorIds.RestartFailed, FailureKind.InvalidArgument, false)]
    public async Task Restart_answers_that_are_errors(int status, string text, string id, FailureKind kind, bool scheduled)
    {
        await using var server = Answering(status, $"<html><body>{text}</body></html>");
        using var client = Client();
        var request = new RestartRequest { ScheduledAt = scheduled ? DateTimeOffset.Now.AddHours(1) : null };
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => MemberActions.RestartAsync(client, Member(server), request, 5, default));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(text, e.Message);
        Assert.Equal("n2", e.Target);
    }

    [Theory]
    [InlineData(401, FailureKind.AuthenticationError)]
    [InlineData(403, FailureKind.PermissionDenied)]
    public async Task Access_refused_is_PatroniAuthenticationFailed(int status, FailureKind kind)
    {
        await using var server = Answering(status, "no auth header received");
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => MemberActions.ReloadAsync(client, Member(server), default));
        Assert.Equal(PatroniErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public async Task The_credential_goes_with_admin_requests_and_never_over_http_unless_allowed()
    {
        await using var server = Answering(202, "reload scheduled");
        var admin = new NetworkCredential("admin", "pa$$-never-shown");
        using (var refusing = Client(admin))
        {
            var e = await Assert.ThrowsAsync<PatroniHaException>(() => MemberActions.ReloadAsync(refusing, Member(server), default));
            Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
            Assert.DoesNotContain("pa$$", e.Message);
            Assert.Empty(server.Requests);
        }
        using var allowed = Client(admin, allowHttp: true);
        MemberActionResult r = await MemberActions.ReloadAsync(allowed, Member(server), default);
        Assert.Equal(MemberActionStatus.Done, r.Status);
        Assert.StartsWith("Basic ", Assert.Single(server.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task Cancelling_nothing_scheduled_is_PatroniNothingScheduled()
    {
        await using var server = Answering(404, "no restarts are scheduled");
        using var client = Client();
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => MemberActions.CancelRestartAsync(client, Member(server), default));
        Assert.Equal(PatroniErrorIds.NothingScheduled, e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Equal("DELETE", Assert.Single(server.Requests).Method);
    }

    [Fact]
    public async Task An_unreachable_member_is_PatroniTopologyUnavailable()
    {
        using var client = Client();
        var member = new PatroniMember("n3", "127.0.0.1", 5432, MemberRole.Replica, "running", 1, 0,
            new Dictionary<string, object?>(), new Uri(FakePatroniServer.RefusedEndpoint(), "patroni"));
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => MemberActions.ReloadAsync(client, member, default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
    }
}
