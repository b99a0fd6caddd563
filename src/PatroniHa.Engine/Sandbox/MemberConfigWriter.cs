using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PatroniHa.Engine.Sandbox;

/// <summary>Everything one patroni.yml needs; passwords never leave the sandbox folder.</summary>
internal sealed record MemberConfig(
    string Scope, string Name, int PgPort, int ApiPort, int EtcdClientPort, string Folder, string DataDir,
    string PostgresBinDir, string SuperuserPassword, string ReplicatorPassword, SandboxOptions Options,
    SandboxTlsFiles? Tls);

/// <summary>Writes a Patroni member configuration (see shared/reference/patroni-local.md).</summary>
internal static class MemberConfigWriter
{
    public const string Replicator = "replicator";

    public static string Render(MemberConfig c)
    {
        var o = c.Options;
        var sb = new StringBuilder();
        // JSON strings are valid YAML scalars, so Q() quotes safely.
        sb.AppendLine(CultureInfo.InvariantCulture, $"scope: {Q(c.Scope)}");
        sb.AppendLine("namespace: /service/");
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {Q(c.Name)}");
        sb.AppendLine("log: {level: INFO}");
        sb.AppendLine("restapi:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  listen: '127.0.0.1:{c.ApiPort}'");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  connect_address: '127.0.0.1:{c.ApiPort}'");
        if (c.Tls is { } tls)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  certfile: {Q(tls.CertificatePath)}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"  keyfile: {Q(tls.KeyPath)}");
        }
        if (o.ApiCredential is { } api)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  authentication: {{username: {Q(api.UserName)}, password: {Q(api.Password)}}}");
        if (c.Tls is { } ctl)
        {
            // Members call each other's REST API and must trust the sandbox CA. (Patroni also presents
            // restapi.certfile as its client certificate on those calls; the server does not ask for one.)
            sb.AppendLine("ctl:");
            sb.AppendLine(CultureInfo.InvariantCulture, $"  cacert: {Q(ctl.CaCertificatePath)}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"etcd3: {{hosts: '127.0.0.1:{c.EtcdClientPort}'}}");
        sb.AppendLine("bootstrap:");
        sb.AppendLine("  dcs:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    ttl: {o.Ttl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    loop_wait: {o.LoopWait}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    retry_timeout: {o.RetryTimeout}");
        sb.AppendLine("    maximum_lag_on_failover: 1048576");
        if (o.SynchronousMode) sb.AppendLine("    synchronous_mode: true");
        sb.AppendLine("    postgresql:");
        sb.AppendLine("      use_pg_rewind: true");
        sb.AppendLine("      parameters: {wal_level: replica, hot_standby: 'on', max_wal_senders: 10, "
                      + "max_replication_slots: 10, wal_log_hints: 'on'}");
        sb.AppendLine("  initdb: [{encoding: UTF8}]");
        sb.AppendLine("postgresql:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  listen: '127.0.0.1:{c.PgPort}'");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  connect_address: '127.0.0.1:{c.PgPort}'");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  data_dir: {Q(c.DataDir)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  bin_dir: {Q(c.PostgresBinDir)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  pgpass: {Q(System.IO.Path.Combine(c.Folder, "pgpass"))}");
        // postgresql.pg_hba, not bootstrap.pg_hba: Patroni appends the bootstrap lines after initdb's default
        // "trust" lines, so passwords would never be checked. This list replaces the file on every member.
        // With TLS only encrypted TCP connections are accepted, so client TLS settings are really exercised.
        var host = c.Tls is null ? "host" : "hostssl";
        sb.AppendLine("  pg_hba:");
        sb.AppendLine("    - local all postgres peer");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    - {host} replication {Replicator} 127.0.0.1/32 md5");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    - {host} all all 127.0.0.1/32 md5");
        sb.AppendLine("  authentication:");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"    replication: {{username: {Replicator}, password: {Q(c.ReplicatorPassword)}}}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"    superuser: {{username: postgres, password: {Q(c.SuperuserPassword)}}}");
        sb.AppendLine("  parameters:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    unix_socket_directories: {Q(c.Folder)}");
        if (c.Tls is { } pgTls)
        {
            sb.AppendLine("    ssl: 'on'");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    ssl_cert_file: {Q(pgTls.CertificatePath)}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    ssl_key_file: {Q(pgTls.KeyPath)}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    ssl_ca_file: {Q(pgTls.CaCertificatePath)}");
        }
        var tags = new SortedDictionary<string, object>(StringComparer.Ordinal) { ["datacenter"] = "dc1" };
        if (o.MemberTags.TryGetValue(c.Name, out var extra))
        {
            foreach (var (key, value) in extra)
                tags[key] = value;
        }
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"tags: {{{string.Join(", ", tags.Select(t => $"{t.Key}: {JsonSerializer.Serialize(t.Value)}"))}}}");
        return sb.ToString();
    }

    private static string Q(string value) => JsonSerializer.Serialize(value);
}
