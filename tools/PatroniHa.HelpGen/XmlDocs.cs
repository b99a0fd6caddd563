using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PatroniHa.HelpGen;

/// <summary>The compiler's XML documentation file: the /// &lt;summary&gt; of types and properties as plain text.</summary>
public sealed class XmlDocs
{
    private readonly Dictionary<string, string> _summaries = new(StringComparer.Ordinal);

    public static XmlDocs Load(string? path, Log log)
    {
        var docs = new XmlDocs();
        if (path is null)
            return docs;
        if (!File.Exists(path))
        {
            log.Warning(Log.NoParameterDescription,
                $"no XML documentation file at {path}: parameter descriptions come from module/help only " +
                "(set <GenerateDocumentationFile>true</GenerateDocumentationFile> in the cmdlet project)");
            return docs;
        }
        XDocument doc = XDocument.Load(path, LoadOptions.PreserveWhitespace);
        foreach (XElement member in doc.Descendants("member"))
        {
            string? name = (string?)member.Attribute("name");
            XElement? summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                string text = Render(summary);
                if (text.Length > 0)
                    docs._summaries[name] = text;
            }
        }
        return docs;
    }

    public string? Summary(Type type) => _summaries.GetValueOrDefault("T:" + Name(type));

    public string? Summary(PropertyInfo property) =>
        _summaries.GetValueOrDefault("P:" + Name(property.DeclaringType!) + "." + property.Name);

    private static string Name(Type type) => type.FullName!.Replace('+', '.');

    private static string Render(XElement element)
    {
        var sb = new StringBuilder();
        Append(sb, element);
        return Rewrite(Regex.Replace(sb.ToString(), @"[ \t\r\n]+", " ").Trim());
    }

    private static void Append(StringBuilder sb, XElement element)
    {
        foreach (XNode node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement e when e.Name.LocalName is "see" or "seealso":
                    string? target = (string?)e.Attribute("cref") ?? (string?)e.Attribute("langword") ?? (string?)e.Attribute("href");
                    if (!e.IsEmpty)
                        Append(sb, e);
                    else if (target is not null)
                        sb.Append(ShortName(target));
                    break;
                case XElement e when e.Name.LocalName is "paramref" or "typeparamref":
                    sb.Append((string?)e.Attribute("name"));
                    break;
                default:
                    if (node is XElement other)
                    {
                        Append(sb, other);
                        sb.Append(' ');
                    }
                    break;
            }
        }
    }

    private static string ShortName(string cref)
    {
        string name = cref.Contains(':') ? cref[(cref.IndexOf(':') + 1)..] : cref;
        int paren = name.IndexOf('(');
        if (paren >= 0)
            name = name[..paren];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    /// <summary>
    /// Developer wording that means nothing to a user reading Get-Help: the code calls the Python system this
    /// module replaces "the seed" ("the seed's PATRONI_HOSTS"). Better fixed in the source comments; until then
    /// the generator drops the phrase.
    /// </summary>
    internal static string Rewrite(string text)
    {
        text = Regex.Replace(text, @"\bthe seed's\s+", "", RegexOptions.None);
        text = Regex.Replace(text, @"\bThe seed's\s+(\w)", m => char.ToUpperInvariant(m.Groups[1].Value[0]).ToString());
        return text;
    }
}
