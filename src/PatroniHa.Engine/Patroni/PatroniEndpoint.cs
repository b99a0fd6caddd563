using System.Globalization;
using System.Net;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Patroni;

/// <summary>Turns what a user writes for a Patroni REST API endpoint into a base <see cref="Uri"/>.</summary>
public static class PatroniEndpoint
{
    private const string Forms =
        "host, host:port, [ipv6]:port, http://host:port or https://host:port";

    /// <summary>
    /// Accepts host, host:port, [::1]:port, a bare IPv6 address, http://host[:port][/path] and
    /// https://host[:port][/path]. A missing port is <paramref name="defaultPort"/> (Patroni's 8008), also
    /// with a scheme: Patroni never listens on 80/443 by default. A path (as in a member's api_url
    /// "http://h:8008/patroni") is dropped. Returns scheme://host:port/.
    /// </summary>
    public static Uri Parse(string? text, int defaultPort = 8008)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            throw Invalid(text, "the value is empty");
        if (defaultPort is < 1 or > 65535)
            throw Invalid(text, $"the default port {defaultPort} is not between 1 and 65535");

        var scheme = "http";
        var rest = value;
        var sep = value.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            scheme = value[..sep].ToLowerInvariant();
            if (scheme is not ("http" or "https"))
                throw Invalid(text, $"the scheme '{value[..sep]}' is not http or https");
            rest = value[(sep + 3)..];
        }

        var end = rest.IndexOfAny(['/', '?', '#']);
        var authority = end >= 0 ? rest[..end] : rest;
        if (authority.Contains('@'))
            throw Invalid(null, "it contains user information (user:password@); pass the credential separately");

        var (host, port) = SplitHostPort(authority, defaultPort, text);
        if (Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
            throw Invalid(text, $"'{host}' is not a valid host name or IP address");

        return new UriBuilder(scheme, host, port).Uri;
    }

    /// <summary>Parses every value; the first bad one fails the whole list so a typo is never skipped.</summary>
    public static IReadOnlyList<Uri> ParseAll(IEnumerable<string> texts, int defaultPort = 8008) =>
        texts.Select(t => Parse(t, defaultPort)).Distinct().ToList();

    /// <summary>A member's api_url (http://h:8008/patroni) as the base endpoint, or null if unusable.</summary>
    public static Uri? FromApiUrl(Uri? apiUrl) =>
        apiUrl is { IsAbsoluteUri: true } u && u.Scheme is "http" or "https" && u.Host.Length > 0
            ? new UriBuilder(u.Scheme, u.Host, u.Port).Uri
            : null;

    private static (string Host, int Port) SplitHostPort(string authority, int defaultPort, string? text)
    {
        if (authority.Length == 0)
            throw Invalid(text, "there is no host");

        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0)
                throw Invalid(text, "an IPv6 address in [ ] is not closed");
            var host = authority[..(close + 1)];
            var after = authority[(close + 1)..];
            if (after.Length == 0)
                return (host, defaultPort);
            if (after[0] != ':')
                throw Invalid(text, $"unexpected '{after}' after the IPv6 address");
            return (host, ParsePort(after[1..], text));
        }

        // A bare IPv6 address has several colons and no port; bracket it for the Uri.
        if (authority.Count(c => c == ':') > 1)
            return IPAddress.TryParse(authority, out var ip) && ip.AddressFamily ==
                System.Net.Sockets.AddressFamily.InterNetworkV6
                ? ($"[{authority}]", defaultPort)
                : throw Invalid(text, "write an IPv6 address with a port as [address]:port");

        var colon = authority.IndexOf(':');
        return colon < 0
            ? (authority, defaultPort)
            : (authority[..colon], ParsePort(authority[(colon + 1)..], text));
    }

    private static int ParsePort(string port, string? text) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p
            : throw Invalid(text, $"the port '{port}' is not a number between 1 and 65535");

    private static PatroniHaException Invalid(string? text, string why)
    {
        var shown = text is null ? "The Patroni endpoint" : $"The Patroni endpoint '{text}'";
        return new PatroniHaException(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument,
            $"{shown} is not valid: {why}. Use one of: {Forms} (for example 10.0.0.11:8008), " +
            "in -ApiEndpoint or PATRONI_HOSTS.",
            text is null || text.Contains('@') ? null : text);
    }
}
