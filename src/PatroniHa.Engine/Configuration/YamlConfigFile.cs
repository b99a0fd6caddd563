using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PatroniHa.Engine.Configuration;

/// <summary>
/// Reads the seed's config.yaml layout (memory.postgresql.mode and memory.postgresql.patroni.*, plus
/// single-node keys host/port/database/user/password/ssl*) into a layer under the environment names.
/// Scalars may use ${VAR} and ${VAR:-default}. Key names are matched ignoring case, '_' and '-'.
/// </summary>
public static class YamlConfigFile
{
    private const string Root = "memory.postgresql";

    // memory.postgresql.<key> → setting
    private static readonly Dictionary<string, string> PostgresKeys = new(StringComparer.Ordinal)
    {
        ["mode"] = SettingKeys.EnablePatroni,
        ["host"] = SettingKeys.PgHost,
        ["port"] = SettingKeys.PgPort,
        ["database"] = SettingKeys.PgDatabase,
        ["user"] = SettingKeys.PgUser,
        ["password"] = SettingKeys.PgPassword,
        ["sslmode"] = SettingKeys.PgSslMode,
        ["sslrootcert"] = SettingKeys.PgSslRootCert,
        ["sslcert"] = SettingKeys.PgSslCert,
        ["sslkey"] = SettingKeys.PgSslKey,
        ["connecttimeout"] = SettingKeys.PgConnectTimeout,
        ["applicationname"] = SettingKeys.PgAppName,
    };

    // memory.postgresql.patroni.<key> → setting
    private static readonly Dictionary<string, string> PatroniKeys = new(StringComparer.Ordinal)
    {
        ["enabled"] = SettingKeys.EnablePatroni,
        ["apihosts"] = SettingKeys.PatroniHosts,
        ["apiport"] = SettingKeys.PatroniPort,
        ["database"] = SettingKeys.PatroniDb,
        ["user"] = SettingKeys.PatroniUser,
        ["password"] = SettingKeys.PatroniPassword,
        ["minconnections"] = SettingKeys.PatroniMinConnections,
        ["maxconnections"] = SettingKeys.PatroniMaxConnections,
        ["healthcheckinterval"] = SettingKeys.PatroniHealthCheckInterval,
        ["failovertimeout"] = SettingKeys.PatroniFailoverTimeout,
        ["sslmode"] = SettingKeys.PatroniSslMode,
        ["sslrootcert"] = SettingKeys.PatroniSslRootCert,
        ["sslcert"] = SettingKeys.PatroniSslCert,
        ["sslkey"] = SettingKeys.PatroniSslKey,
        ["apiuser"] = SettingKeys.PatroniRestApiUsername,
        ["apipassword"] = SettingKeys.PatroniRestApiPassword,
    };

    /// <param name="variables">Lookup for ${VAR}; defaults to the process environment.</param>
    public static SettingsLayer Load(string path, Func<string, string?>? variables = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw ConfigurationError.Create($"The YAML configuration file '{fullPath}' does not exist.", fullPath);

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ConfigurationError.Create($"The YAML configuration file '{fullPath}' cannot be read: {e.Message}",
                fullPath);
        }
        return new Reader(fullPath, variables ?? Environment.GetEnvironmentVariable).Read(text);
    }

    private sealed class Reader(string fullPath, Func<string, string?> variables)
    {
        private readonly string _source = $"YAML {fullPath}";
        private readonly List<SettingValue> _values = [];
        private readonly List<string> _problems = [];
        private readonly List<string> _warnings = [];

        public SettingsLayer Read(string text)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                throw Fail(e.Start, $"is not valid YAML: {StripMark(e)}");
            }

            var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
            var postgres = Child(Child(root, "the document", "memory"), "memory", "postgresql")
                ?? throw ConfigurationError.Create(
                    $"The YAML configuration file '{fullPath}' has no {Root} section.", fullPath);
            var section = AsMapping(postgres, Root);

            YamlNode? patroniNode = null;
            foreach (var (keyNode, valueNode) in section.Children)
            {
                var name = Normalize(keyNode);
                if (name == "patroni")
                    patroniNode = valueNode;
                else if (PostgresKeys.TryGetValue(name, out var setting))
                    AddScalar(setting, valueNode, $"{Root}.{keyNode}");
                // Other keys under memory.postgresql may belong to other tools sharing the file.
            }

            if (patroniNode is not null && !IsNull(patroniNode))
                ReadPatroni(AsMapping(patroniNode, $"{Root}.patroni"));

            if (_problems.Count > 0)
            {
                throw ConfigurationError.Create(
                    $"The YAML configuration file '{fullPath}' cannot be used:" + Environment.NewLine
                    + string.Join(Environment.NewLine, _problems.Select(p => "  " + p)), fullPath);
            }
            return new SettingsLayer(SettingsSourceKind.YamlFile, _source, _values, _warnings);
        }

        private void ReadPatroni(YamlMappingNode patroni)
        {
            // The seed's rollback changes only "mode", leaving patroni.enabled as it was: mode wins.
            var modeSet = _values.Any(v => v.Key == SettingKeys.EnablePatroni);
            foreach (var (keyNode, valueNode) in patroni.Children)
            {
                var path = $"{Root}.patroni.{keyNode}";
                var name = Normalize(keyNode);
                if (!PatroniKeys.TryGetValue(name, out var setting))
                {
                    _warnings.Add($"{_source} line {keyNode.Start.Line}: unknown key {path} is ignored.");
                    continue;
                }
                if (setting == SettingKeys.EnablePatroni && modeSet)
                    continue;
                if (setting == SettingKeys.PatroniHosts && valueNode is YamlSequenceNode hosts)
                    AddHosts(hosts, path);
                else
                    AddScalar(setting, valueNode, path);
            }
        }

        private void AddHosts(YamlSequenceNode hosts, string path)
        {
            var entries = new List<string>();
            foreach (var entry in hosts.Children)
            {
                if (entry is not YamlScalarNode scalar)
                {
                    _problems.Add($"line {entry.Start.Line}: each entry of {path} must be a host name, not a list or mapping.");
                    return;
                }
                var value = Expand(SettingKeys.PatroniHosts, scalar, path);
                if (value is null)
                    return;
                entries.Add(value);
            }
            _values.Add(new SettingValue(SettingKeys.PatroniHosts, string.Join(",", entries), Origin(hosts, path)));
        }

        private void AddScalar(string setting, YamlNode node, string path)
        {
            if (IsNull(node))
                return;
            if (node is not YamlScalarNode scalar)
            {
                _problems.Add($"line {node.Start.Line}: {path} must be a single value, not a list or mapping.");
                return;
            }
            var value = Expand(setting, scalar, path);
            if (value is not null)
                _values.Add(new SettingValue(setting, value, Origin(node, path)));
        }

        private string? Expand(string setting, YamlScalarNode scalar, string path)
        {
            var expanded = VariableExpander.Expand(scalar.Value ?? "", variables, out var error);
            if (error is not null)
                _problems.Add($"line {scalar.Start.Line}: {path}: {error}.");
            return expanded;
        }

        private string Origin(YamlNode node, string path) => $"{_source} line {node.Start.Line}, {path}";

        private YamlNode? Child(YamlNode? parent, string parentPath, string key)
        {
            if (parent is null || IsNull(parent))
                return null;
            var mapping = AsMapping(parent, parentPath);
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (Normalize(keyNode) == key)
                    return IsNull(valueNode) ? null : valueNode;
            }
            return null;
        }

        private YamlMappingNode AsMapping(YamlNode node, string path) =>
            node as YamlMappingNode ?? throw Fail(node.Start, $"{path} must be a mapping (key: value lines)");

        private Exception Fail(Mark mark, string problem) =>
            ConfigurationError.Create(
                $"The YAML configuration file '{fullPath}' line {mark.Line} column {mark.Column}: {problem}", fullPath);

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

        private static string Normalize(YamlNode key) =>
            ((key as YamlScalarNode)?.Value ?? "").Replace("_", "").Replace("-", "").ToLowerInvariant();

        // YamlException's message starts with "(Line: 3, Col: 5, Idx: 20) - (…): "; we print our own position.
        private static string StripMark(YamlException e)
        {
            var message = e.Message;
            var marker = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
        }
    }
}
