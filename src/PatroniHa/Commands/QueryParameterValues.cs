using System.Management.Automation;
using PatroniHa.Errors;

namespace PatroniHa.Commands;

/// <summary>
/// Turns a -Parameters value as PowerShell hands it over into one Npgsql can write. PowerShell wraps values in
/// PSObject (pipeline output, <c>$_</c>) and makes every list an object[] (<c>@{ a = 1,2,3 }</c>), which Npgsql
/// cannot write: it needs the element type. An object[] whose elements share one type becomes an array of that
/// type (int[], long[], string[], Guid[] …; a nullable one when some elements are $null); integers of different
/// widths (<c>1, 3000000000</c> is an Int32 and an Int64) widen to long[]. Mixed types and empty or all-$null
/// arrays have no element type: a terminating PatroniQueryParameterInvalid error says how to type them.
/// </summary>
internal static class QueryParameterValues
{
    public static object? Convert(string name, object? value)
    {
        value = Unwrap(value);
        return value is object[] list ? TypedArray(name, list) : value;
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    private static Array TypedArray(string name, object[] list)
    {
        var elements = new object?[list.Length];
        Type? type = null;
        bool mixed = false, nulls = false;
        var seen = new List<string>();
        for (int i = 0; i < list.Length; i++)
        {
            object? e = Unwrap(list[i]);
            elements[i] = e;
            if (e is null or DBNull)
            {
                elements[i] = null;
                nulls = true;
                continue;
            }
            Type t = e.GetType();
            if (!seen.Contains(t.Name))
                seen.Add(t.Name);
            if (type is null)
                type = t;
            else if (type != t)
            {
                if (IsInteger(type) && IsInteger(t))
                    type = typeof(long);
                else
                    mixed = true;
            }
        }
        if (mixed)
            throw Invalid(name, $"mixes element types ({string.Join(", ", seen)}), but a PostgreSQL array has one. " +
                "Make them one type, e.g. [string[]]$values or [int[]]$values, or pass each value as its own @name.");
        if (type is null)
            throw Invalid(name, (list.Length == 0 ? "is an empty array" : "holds only $null") + ", so its element " +
                "type is unknown. Pass a typed array, e.g. [int[]]@() or [string[]]@().");
        if (type.IsArray || type == typeof(object))
            throw Invalid(name, $"is an array of {type.Name}: only arrays of single values can be sent (one dimension).");

        Type elementType = nulls && type.IsValueType ? typeof(Nullable<>).MakeGenericType(type) : type;
        Array typed = Array.CreateInstance(elementType, elements.Length);
        for (int i = 0; i < elements.Length; i++)
        {
            if (elements[i] is { } e)
                typed.SetValue(e.GetType() == type ? e : System.Convert.ChangeType(e, type, System.Globalization.CultureInfo.InvariantCulture), i);
        }
        return typed;
    }

    private static bool IsInteger(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(sbyte) || t == typeof(ushort)
        || t == typeof(uint);

    private static RuntimeException Invalid(string name, string problem)
    {
        ErrorRecord record = ErrorRecords.QueryParameterInvalid(name, $"-Parameters value '{name}' {problem}");
        return new RuntimeException(record.Exception.Message, record.Exception, record);
    }
}
