using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Patroni;
using Xunit;

namespace PatroniHa.Engine.Tests.Patroni;

public class PatroniEndpointTests
{
    [Theory]
    [InlineData("db1", "http://db1:8008/")]
    [InlineData("  db1  ", "http://db1:8008/")]
    [InlineData("db1:8009", "http://db1:8009/")]
    [InlineData("10.0.0.11", "http://10.0.0.11:8008/")]
    [InlineData("10.0.0.11:8010", "http://10.0.0.11:8010/")]
    [InlineData("[::1]:8008", "http://[::1]:8008/")]
    [InlineData("[::1]", "http://[::1]:8008/")]
    [InlineData("::1", "http://[::1]:8008/")]
    [InlineData("http://db1:8008", "http://db1:8008/")]
    [InlineData("http://db1", "http://db1:8008/")]
    [InlineData("HTTPS://db1.example.com:8443", "https://db1.example.com:8443/")]
    [InlineData("https://db1", "https://db1:8008/")]
    [InlineData("http://127.0.0.1:8008/patroni", "http://127.0.0.1:8008/")]
    [InlineData("http://db1:80", "http://db1:80/")]
    public void Accepts_the_documented_forms(string text, string expected) =>
        Assert.Equal(new Uri(expected), PatroniEndpoint.Parse(text, 8008));

    [Fact]
    public void Default_port_is_the_callers() =>
        Assert.Equal(new Uri("http://db1:9000/"), PatroniEndpoint.Parse("db1", 9000));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("ftp://db1:8008")]
    [InlineData("postgres://db1:5432")]
    [InlineData("db1:")]
    [InlineData("db1:abc")]
    [InlineData("db1:0")]
    [InlineData("db1:70000")]
    [InlineData("db 1")]
    [InlineData("http://")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("1:2:3")]
    public void Rejects_garbage_naming_the_value_and_forms(string? text)
    {
        var e = Assert.Throws<PatroniHaException>(() => PatroniEndpoint.Parse(text!, 8008));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains("host:port", e.Message);
        Assert.Contains("https://host:port", e.Message);
        if (!string.IsNullOrWhiteSpace(text))
            Assert.Contains($"'{text}'", e.Message);
    }

    [Fact]
    public void User_info_is_rejected_without_echoing_the_password()
    {
        var e = Assert.Throws<PatroniHaException>(() => PatroniEndpoint.Parse("http://admin:s3cret@db1:8008", 8008));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        Assert.DoesNotContain("s3cret", e.Message);
        Assert.Null(e.Target);
    }

    [Fact]
    public void ApiUrl_becomes_base_endpoint()
    {
        Assert.Equal(new Uri("https://10.0.0.1:8008/"),
            PatroniEndpoint.FromApiUrl(new Uri("https://10.0.0.1:8008/patroni")));
        Assert.Null(PatroniEndpoint.FromApiUrl(null));
    }
}
