using System.Text.RegularExpressions;
using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Patroni;
using N = PatroniHa.Engine.Migration.MigrationCheckNames;

namespace PatroniHa.Engine.Migration;

/// <summary>
/// Turns what was learned about the cluster and each member into the migration guide's checks (pure, so
/// recorded facts can be unit-tested): a leader; two or more replicas streaming (fewer is a warning, as the
/// guide only recommends it); per member its REST API, Patroni 2.0+, a login, the same PostgreSQL major
/// version, the named extensions, and TLS when TLS settings were given.
/// </summary>
public static partial class MigrationEvaluator
{
    public static readonly Version MinimumPatroni = new(2, 0);

    public const int RecommendedReplicas = 2;

    /// <param name="config">What GET /config said; null when no member answered it.</param>
    public static MigrationReport Evaluate(ClusterSnapshot snapshot, IReadOnlyList<MemberFacts> facts,
        IReadOnlyList<string> extensions, ClusterOptions options, PatroniDynamicConfig? config)
    {
        var checks = new List<MigrationCheck>();
        PatroniMember? leader = snapshot.Leader;
        MemberFacts? leaderFacts = facts.FirstOrDefault(f => f.Member.IsLeader);

        checks.Add(leader is null
            ? Row(N.Leader, N.ClusterMember, CheckStatus.Failed,
                "No leader: nothing can take writes. Check `patronictl -c /etc/patroni.yml list`; " +
                "Invoke-PatroniFailover -Candidate <member> elects one.")
            : leader.State is "running"
                ? Row(N.Leader, leader.Name, CheckStatus.Passed,
                    $"{leader.Name} ({leader.Address}) leads, timeline {leader.Timeline?.ToString() ?? "?"}.")
                : Row(N.Leader, leader.Name, CheckStatus.Failed, $"{leader.Name} ({leader.Address}) leads but is '{leader.State}'."));
        checks.Add(ReplicaCount(snapshot, leaderFacts?.Node));
        checks.Add(snapshot.Paused
            ? Row(N.NotPaused, N.ClusterMember, CheckStatus.Warning,
                "The cluster is paused (maintenance mode): Patroni will not fail over by itself until `patronictl resume`.")
            : Row(N.NotPaused, N.ClusterMember, CheckStatus.Passed, "Patroni manages the cluster (not paused)."));
        checks.Add(CheckTimelineRow(config));

        int? referenceMajor = ReferenceMajor(facts);
        bool pgTls = PostgresTlsGiven(options.Tls);
        bool apiTls = ApiTlsGiven(options.Api);
        foreach (MemberFacts f in facts.OrderBy(f => f.Member.IsLeader ? 0 : 1))
        {
            string name = f.Member.Name;
            checks.Add(f.Node is not null
                ? Row(N.RestApi, name, CheckStatus.Passed,
                    $"{f.ApiEndpoint} answered GET /patroni from this machine (state {f.Node.State}, role {f.Node.RawRole ?? "?"}).")
                : Row(N.RestApi, name, CheckStatus.Failed, f.ApiProblem ?? "no answer."));
            checks.Add(PatroniVersionRow(f));
            checks.Add(f.Server is { } s
                ? Row(N.Login, name, CheckStatus.Passed,
                    $"User '{options.Credential?.UserName}' logged in to database '{options.Database}' at {f.Member.Address} " +
                    $"(PostgreSQL {s.Version}, {(s.InRecovery ? "in recovery" : "read-write")}, " +
                    $"{(s.Ssl ? $"TLS {s.SslVersion}" : "not encrypted")}).")
                : Row(N.Login, name, CheckStatus.Failed, LoginProblem(f)));
            if (pgTls || apiTls)
                checks.Add(TlsRow(f, pgTls, apiTls, options));
            checks.Add(PostgresVersionRow(f, referenceMajor, leader));
            foreach (string extension in extensions)
                checks.Add(ExtensionRow(f, extension, options.Database));
        }

        var failed = checks.Where(c => c.Status == CheckStatus.Failed).ToList();
        var warnings = checks.Where(c => c.Status == CheckStatus.Warning).ToList();
        string verdict = failed.Count > 0
            ? $"Not ready: {failed.Count} check(s) failed. {Summary(failed)}"
            : $"Ready: {leader!.Name} leads; REST API and PostgreSQL logins work on all {facts.Count} member(s) from this machine, " +
              $"PostgreSQL {referenceMajor?.ToString() ?? "?"} everywhere, Patroni {string.Join("/", facts.Select(f => f.Node?.PatroniVersion).OfType<string>().Distinct())}" +
              (extensions.Count > 0 ? $", extension(s) {string.Join(", ", extensions)} in place" : "") + "." +
              (warnings.Count > 0 ? $" {warnings.Count} warning(s): {Summary(warnings)}" : "");
        // Patroni 3.0.2 leaves the scope out of /cluster; every /patroni names it.
        string? scope = snapshot.Scope ?? facts.Select(f => f.Node?.Scope).FirstOrDefault(s => s is not null);
        return new MigrationReport(failed.Count == 0, verdict, scope, leader?.Name,
            snapshot.Members.Select(m => m.Name).ToList(), options.Database, checks);
    }

    /// <summary>No endpoint described the cluster: the discovery failure and what each endpoint said.</summary>
    public static MigrationReport Unreachable(string discoveryProblem, IReadOnlyList<MigrationCheck> endpointRows,
        ClusterOptions options)
    {
        var checks = new List<MigrationCheck> { Row(N.Discovery, N.ClusterMember, CheckStatus.Failed, discoveryProblem) };
        checks.AddRange(endpointRows);
        return new MigrationReport(false,
            "Not ready: no Patroni REST endpoint described the cluster from this machine. " +
            Summary(checks.Skip(1).Where(c => c.Status == CheckStatus.Failed).ToList()),
            null, null, [], options.Database, checks);
    }

    /// <summary>The statement that creates <paramref name="extension"/> (its name quoted when it needs it).</summary>
    public static string CreateStatement(string extension) =>
        $"CREATE EXTENSION IF NOT EXISTS {QuoteIdentifier(extension)};";

    public static string QuoteIdentifier(string name) =>
        PlainIdentifier().IsMatch(name) ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>"3.0.2" → 3.0; null when there is no leading major.minor.</summary>
    public static Version? ParsePatroniVersion(string? text) =>
        text is not null && LeadingVersion().Match(text) is { Success: true } m
            ? new Version(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;

    public static MigrationCheck Row(string check, string member, CheckStatus status, string detail) =>
        new(check, member, status, detail);

    /// <summary>
    /// Patroni's check_timeline (off by default): without it, a failover right after a switchover can promote a
    /// member still on the old timeline (Patroni 3.0.2 reports its lag as 0), fork the history and lose what the
    /// leader acknowledged since. A warning: PatroniHa's own switchovers wait that window out, Patroni's do not.
    /// </summary>
    private static MigrationCheck CheckTimelineRow(PatroniDynamicConfig? config) => config switch
    {
        null => Row(N.CheckTimeline, N.ClusterMember, CheckStatus.Warning,
            "No member answered GET /config, so whether Patroni's check_timeline is on is unknown."),
        { CheckTimeline: true } => Row(N.CheckTimeline, N.ClusterMember, CheckStatus.Passed,
            "Patroni's check_timeline is on: it will not promote a member behind the cluster's timeline."),
        _ => Row(N.CheckTimeline, N.ClusterMember, CheckStatus.Warning,
            "Patroni's check_timeline is off (its default): a failover right after a switchover could promote a member " +
            "still on the old timeline and lose the writes acknowledged since; " + Drills.ReadinessChecker.CheckTimelineAdvice),
    };

    private static MigrationCheck ReplicaCount(ClusterSnapshot snapshot, PatroniNodeStatus? leaderNode)
    {
        var replicas = snapshot.Replicas.ToList();
        // The leader's own /patroni lists its walsenders: "running" in /cluster (3.0.2) does not prove streaming.
        HashSet<string>? streaming = leaderNode is null
            ? null
            : leaderNode.Replication.Where(r => r.State == "streaming").Select(r => r.ApplicationName).OfType<string>()
                .ToHashSet(StringComparer.Ordinal);
        var ready = replicas.Where(r => r.IsRunning && (streaming is null || streaming.Contains(r.Name))).ToList();
        string each = replicas.Count == 0
            ? "the cluster has no replica"
            : string.Join(", ", replicas.Select(r => $"{r.Name} {r.State}" +
                (streaming is null ? "" : streaming.Contains(r.Name) ? ", streaming" : ", not streaming from the leader")));
        string how = streaming is null ? "running per Patroni (the leader's REST API did not list its walsenders)" : "running and streaming";
        return ready.Count >= RecommendedReplicas
            ? Row(N.Replicas, N.ClusterMember, CheckStatus.Passed, $"{ready.Count} replicas {how}: {each}.")
            : Row(N.Replicas, N.ClusterMember, CheckStatus.Warning,
                $"{ready.Count} replica(s) {how} ({each}); the migration guide recommends {RecommendedReplicas} or more, so " +
                "that a failover still leaves a replica to read from and to fail over to.");
    }

    /// <summary>The login failure, naming the server when the reason does not already.</summary>
    private static string LoginProblem(MemberFacts f)
    {
        string problem = f.LoginProblem ?? "no login.";
        return problem.Contains(f.Member.Address, StringComparison.Ordinal) ? problem : $"{f.Member.Address}: {problem}";
    }

    private static MigrationCheck PatroniVersionRow(MemberFacts f)
    {
        string name = f.Member.Name;
        if (f.Node is null)
            return Row(N.PatroniVersion, name, CheckStatus.Warning, "Not checked: the REST API did not answer (see RestApi).");
        if (ParsePatroniVersion(f.Node.PatroniVersion) is not { } version)
            return Row(N.PatroniVersion, name, CheckStatus.Warning,
                $"Patroni did not report a version it understands ('{f.Node.PatroniVersion}').");
        return version >= MinimumPatroni
            ? Row(N.PatroniVersion, name, CheckStatus.Passed, $"Patroni {f.Node.PatroniVersion}.")
            : Row(N.PatroniVersion, name, CheckStatus.Failed,
                $"Patroni {f.Node.PatroniVersion} is older than {MinimumPatroni}, which the migration guide requires: upgrade Patroni on this member.");
    }

    private static MigrationCheck PostgresVersionRow(MemberFacts f, int? reference, PatroniMember? leader)
    {
        string name = f.Member.Name;
        if (Major(f) is not { } major)
            return Row(N.PostgresVersion, name, CheckStatus.Warning,
                "Not checked: neither a login nor the REST API reported this member's PostgreSQL version.");
        string version = f.Server?.Version ?? $"{major} (server_version {f.Node?.ServerVersion} per Patroni)";
        string against = leader is not null ? $"the leader {leader.Name}'s" : "most members'";
        return major == reference
            ? Row(N.PostgresVersion, name, CheckStatus.Passed, $"PostgreSQL {version}: major {major}, as on every member checked.")
            : Row(N.PostgresVersion, name, CheckStatus.Failed,
                $"PostgreSQL {version}: major {major} differs from {against} {reference}. Every member must run the same " +
                "major version (physical replication and failover need it).");
    }

    private static int? Major(MemberFacts f) =>
        f.Server?.Major ?? (f.Node?.ServerVersion is { } v and > 0 ? v / 10000 : null);

    /// <summary>The leader's major version; without one, the most common.</summary>
    private static int? ReferenceMajor(IReadOnlyList<MemberFacts> facts) =>
        facts.Where(f => f.Member.IsLeader).Select(Major).FirstOrDefault(m => m is not null)
        ?? facts.Select(Major).OfType<int>().GroupBy(m => m).OrderByDescending(g => g.Count()).Select(g => (int?)g.Key).FirstOrDefault();

    private static MigrationCheck ExtensionRow(MemberFacts f, string extension, string database)
    {
        string check = N.Extension(extension);
        string name = f.Member.Name;
        string create = CreateStatement(extension);
        if (f.Server is null)
            return Row(check, name, CheckStatus.Warning, "Not checked: no login to this member (see Login).");
        ExtensionFacts? e = f.Server.Extensions.FirstOrDefault(x => x.Name == extension);
        if (e is null)
            return Row(check, name, CheckStatus.Warning, "Not checked: the server did not answer for this extension.");
        string files = $"its files are not installed on this server (pg_available_extensions has no '{extension}'): install " +
                       "the extension's package on every member";
        if (f.Member.IsLeader)
        {
            if (e.InstalledVersion is not null)
                return Row(check, name, CheckStatus.Passed, $"Created in database '{database}' (version {e.InstalledVersion}).");
            return Row(check, name, CheckStatus.Failed, e.Available
                ? $"Not created in database '{database}' (its files are here, default version {e.DefaultVersion}). Run on the leader: {create}"
                : $"Not created in database '{database}', and {files}, then run on the leader: {create}");
        }
        return e.Available
            ? Row(check, name, CheckStatus.Passed, $"Files installed on this replica (default version {e.DefaultVersion})" +
                (e.InstalledVersion is null ? "." : $"; created in '{database}' (version {e.InstalledVersion}, replicated from the leader)."))
            : Row(check, name, CheckStatus.Failed,
                $"Not available on this replica: {files}, or after a failover to this member the database cannot use " +
                $"'{extension}'{(e.InstalledVersion is null ? $" (and once they are: run on the leader {create})" : "")}.");
    }

    private static MigrationCheck TlsRow(MemberFacts f, bool pgTls, bool apiTls, ClusterOptions options)
    {
        var parts = new List<(CheckStatus Status, string Text)>();
        if (pgTls)
        {
            parts.Add(f.Server switch
            {
                null => (CheckStatus.Warning, "PostgreSQL: not checked, no login (see Login)"),
                { Ssl: true } s => (CheckStatus.Passed, $"PostgreSQL: encrypted ({s.SslVersion}, sslmode {options.Tls.SslMode})"),
                _ => (CheckStatus.Failed,
                    $"PostgreSQL: NOT encrypted although TLS settings were given (sslmode {options.Tls.SslMode} fell back to " +
                    "plain text): turn ssl on in the server, and use -SslMode Require or stricter"),
            });
        }
        if (apiTls)
        {
            parts.Add(f.ApiEndpoint switch
            {
                null => (CheckStatus.Warning, "REST API: not checked, no api_url"),
                { Scheme: "https" } e when f.Node is not null => (CheckStatus.Passed, $"REST API: https, certificate accepted ({e.Authority})"),
                { Scheme: "https" } => (CheckStatus.Failed, $"REST API: https failed ({f.ApiProblem})"),
                _ => (CheckStatus.Warning, $"REST API: plain http at {f.ApiEndpoint} (restapi.certfile is not set on this member)"),
            });
        }
        CheckStatus worst = parts.Max(p => p.Status);
        return Row(N.Tls, f.Member.Name, worst, string.Join("; ", parts.Select(p => p.Text)) + ".");
    }

    private static bool PostgresTlsGiven(PostgresTlsOptions tls) =>
        tls.SslMode.ToUpperInvariant() is "REQUIRE" or "VERIFYCA" or "VERIFYFULL" || tls.RootCertificate is not null || tls.ClientCertificate is not null;

    private static bool ApiTlsGiven(PatroniApiOptions api) =>
        api.RootCertificate is not null || api.ClientCertificate is not null
        || api.Endpoints.Any(e => e.TrimStart().StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    /// <summary>The first few rows as "Check on member: detail", so a verdict stays readable.</summary>
    private static string Summary(IReadOnlyList<MigrationCheck> rows)
    {
        const int shown = 3;
        string text = string.Join(" ", rows.Take(shown).Select(r =>
            $"{r.Check}{(r.Member == N.ClusterMember ? "" : $" on {r.Member}")}: {r.Detail}"));
        return rows.Count > shown ? $"{text} (and {rows.Count - shown} more; see Checks)" : text;
    }

    [GeneratedRegex(@"^[a-z_][a-z0-9_$]*$")]
    private static partial Regex PlainIdentifier();

    [GeneratedRegex(@"^\s*v?(\d+)\.(\d+)")]
    private static partial Regex LeadingVersion();
}
