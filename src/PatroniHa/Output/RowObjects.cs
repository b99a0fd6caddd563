using System.Management.Automation;

namespace PatroniHa.Output;

/// <summary>Turns a result row into a PSObject with one property per column.</summary>
internal sealed class RowObjects
{
    private readonly string[] _names;

    public RowObjects(IReadOnlyList<string> columns)
    {
        // Two columns may share a name (SELECT 1, 1): make each property name unique.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _names = new string[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            string name = string.IsNullOrEmpty(columns[i]) ? $"Column{i + 1}" : columns[i];
            string unique = name;
            for (int n = 2; !seen.Add(unique); n++)
                unique = $"{name}{n}";
            _names[i] = unique;
        }
    }

    public PSObject Create(object?[] values)
    {
        var row = new PSObject();
        for (int i = 0; i < _names.Length; i++)
            row.Properties.Add(new PSNoteProperty(_names[i], values[i]));
        return row;
    }
}
