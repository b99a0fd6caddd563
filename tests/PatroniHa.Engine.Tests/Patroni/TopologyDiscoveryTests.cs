using System.Diagnostics;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using PatroniHa.Engine.Topology.Discovery;
using Xunit;

namespace PatroniHa.Engine.Tests.Patroni;

public class TopologyDiscoveryTests
{
    private static PatroniRestClient Client(TimeSpan timeout) =>
        new(new PatroniApiOptions { RequestTimeout = timeout });

    [Fact]
    public async Task A_hanging_endpoint_does_not_slow_discovery_down()
    {
        var requestsSeen = new TaskCompletionSource();
        await using var hanging = new FakePatroniServer(_ => { requestsSeen.TrySetResult(); return null; });
        await using var good = new FakePatroniServer(_ =>
        {
            // Answer only once the hanging server holds a request, so the race is real.
            requestsSeen.Task.Wait(TimeSpan.FromSeconds(5));
            return new FakeResponse(200, Payloads.Read("3.0.2", "cluster.json"));
        });
        using var client = Client(TimeSpan.FromSeconds(60));
        var discovery = new TopologyDiscovery(client);

        var watch = Stopwatch.StartNew();
        var snapshot = await discovery.DiscoverAsync([hanging.Endpoint, good.Endpoint], default);
        watch.Stop();

        Assert.Equal(good.Endpoint, snapshot.Source);
        Assert.Equal("n1", snapshot.RequireLeader().Name);
        Assert.True(requestsSeen.Task.IsCompleted, "the hanging endpoint was never asked");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"discovery took {watch.Elapsed}");
    }

    [Fact]
    public async Task All_refused_is_TopologyUnavailable_listing_each_endpoint_with_advice()
    {
        var endpoints = new[] { FakePatroniServer.RefusedEndpoint(), FakePatroniServer.RefusedEndpoint(), FakePatroniServer.RefusedEndpoint() };
        using var client = Client(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => new TopologyDiscovery(client).DiscoverAsync(endpoints, default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
        Assert.Equal(FailureKind.ConnectionError, e.Kind);
        Assert.StartsWith("Failed to discover topology from all Patroni hosts:", e.Message);
        foreach (var endpoint in endpoints)
            Assert.Contains($"- {endpoint}: Cannot reach", e.Message);
        Assert.Contains("curl http://127.0.0.1:", e.Message);
        Assert.Contains("/cluster", e.Message);
        Assert.Contains("firewall", e.Message);
        Assert.Contains("PATRONI_HOSTS", e.Message);
        Assert.Contains("-ApiEndpoint", e.Message);
    }

    [Fact]
    public async Task Not_patroni_server_reason_is_in_the_message()
    {
        await using var html = new FakePatroniServer(_ =>
            new FakeResponse(200, "<!DOCTYPE html><html><body>Apache default page</body></html>", "text/html"));
        var refused = FakePatroniServer.RefusedEndpoint();
        using var client = Client(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => new TopologyDiscovery(client).DiscoverAsync([html.Endpoint, refused], default));
        Assert.Equal(PatroniErrorIds.TopologyUnavailable, e.ErrorId);
        Assert.Contains($"- {html.Endpoint}: [not Patroni]", e.Message);
        Assert.Contains("not Patroni's REST API", e.Message);
        Assert.Contains($"- {refused}: Cannot reach", e.Message);
    }

    [Fact]
    public async Task Empty_member_list_does_not_win_over_a_real_answer()
    {
        await using var empty = FakePatroniServer.Json("""{"members": []}""");
        await using var good = new FakePatroniServer(_ =>
        {
            Thread.Sleep(200); // the empty answer arrives first
            return new FakeResponse(200, Payloads.Read("4.0.4", "cluster.json"));
        });
        using var client = Client(TimeSpan.FromSeconds(5));
        var snapshot = await new TopologyDiscovery(client).DiscoverAsync([empty.Endpoint, good.Endpoint], default);
        Assert.Equal(good.Endpoint, snapshot.Source);
    }

    [Fact]
    public async Task Timeouts_are_reported_per_endpoint()
    {
        await using var hanging = new FakePatroniServer(_ => null);
        using var client = Client(TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<PatroniHaException>(
            () => new TopologyDiscovery(client).DiscoverAsync([hanging.Endpoint], default));
        Assert.Contains($"- {hanging.Endpoint}: {hanging.Endpoint} did not answer GET /cluster within 0.3 s", e.Message);
    }

    [Fact]
    public async Task Caller_cancellation_wins_over_the_failure_report()
    {
        await using var hanging = new FakePatroniServer(_ => null);
        using var client = Client(TimeSpan.FromSeconds(60));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new TopologyDiscovery(client).DiscoverAsync([hanging.Endpoint], cts.Token));
    }

    [Fact]
    public async Task No_endpoints_is_InvalidConfiguration()
    {
        using var client = Client(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<PatroniHaException>(() => new TopologyDiscovery(client).DiscoverAsync([], default));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
    }

    [Fact]
    public void EndpointSet_adds_member_api_urls_and_keeps_configured()
    {
        var configured = PatroniEndpoint.Parse("127.0.0.1:53595");
        var set = new EndpointSet([configured, configured]);
        Assert.Equal([configured], set.Current);

        var snapshot = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), configured, DateTimeOffset.UtcNow);
        Assert.True(set.Observe(snapshot));
        Assert.Equal(
            [configured, new Uri("http://127.0.0.1:33597/"), new Uri("http://127.0.0.1:35085/")],
            set.Current);
        Assert.False(set.Observe(snapshot)); // unchanged

        // The dead member drops out of /cluster; configured endpoints stay.
        var after = snapshot with { Members = snapshot.Members.Where(m => m.Name != "n2").ToList() };
        Assert.True(set.Observe(after));
        Assert.Equal([configured, new Uri("http://127.0.0.1:35085/")], set.Current);
    }

    [Fact]
    public async Task EndpointSet_is_safe_under_concurrent_use()
    {
        var set = new EndpointSet([PatroniEndpoint.Parse("a:8008")]);
        var a = PatroniJson.ParseCluster(Payloads.Read("3.0.2", "cluster.json"), set.Configured[0], DateTimeOffset.UtcNow);
        var b = PatroniJson.ParseCluster(Payloads.Read("4.0.4", "cluster.json"), set.Configured[0], DateTimeOffset.UtcNow);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 2000; n++)
            {
                set.Observe(n % 2 == i % 2 ? a : b);
                Assert.Equal(4, set.Current.Count);
                Assert.Equal(set.Configured[0], set.Current[0]);
            }
        })));
    }
}
