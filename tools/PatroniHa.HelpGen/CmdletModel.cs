using System.Collections;
using System.Management.Automation;
using System.Reflection;

namespace PatroniHa.HelpGen;

/// <summary>What the code says about a cmdlet, read by reflection: the facts Get-Help shows.</summary>
public sealed class CmdletModel
{
    public const string AllSets = ParameterAttribute.AllParameterSets;

    public required Type Type { get; init; }

    public required string Verb { get; init; }

    public required string Noun { get; init; }

    public string Name => $"{Verb}-{Noun}";

    public string? DefaultSet { get; init; }

    public bool SupportsShouldProcess { get; init; }

    public ConfirmImpact ConfirmImpact { get; init; }

    public required List<ParameterModel> Parameters { get; init; }

    /// <summary>Full type names from [OutputType]; empty when the cmdlet writes nothing.</summary>
    public required List<string> OutputTypes { get; init; }

    /// <summary>The parameter sets, the default one first, then by name; one pseudo set when none is named.</summary>
    public List<string> SetNames
    {
        get
        {
            // A DefaultParameterSetName that no parameter names is still a set (only the all-sets parameters).
            var named = Parameters.SelectMany(p => p.Sets.Keys)
                .Concat(DefaultSet is { } d && d != AllSets ? [d] : [])
                .Where(s => s != AllSets).Distinct().ToList();
            if (named.Count == 0)
                return [AllSets];
            return named.OrderBy(s => s == DefaultSet ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The parameters of one set, as PowerShell orders a syntax line: positional, mandatory, the rest.</summary>
    public List<(ParameterModel Parameter, SetMembership Membership)> Syntax(string set) =>
        Parameters
            .Select(p => (Parameter: p, Membership: p.In(set)))
            .Where(x => x.Membership is not null)
            .Select(x => (x.Parameter, Membership: x.Membership!))
            .OrderBy(x => x.Membership.Position ?? int.MaxValue)
            .ThenBy(x => x.Membership.Mandatory ? 0 : 1)
            .ThenBy(x => x.Parameter.Order)
            .ToList();

    public static CmdletModel? Read(Type type)
    {
        if (!type.IsPublic || type.IsAbstract || !typeof(Cmdlet).IsAssignableFrom(type))
            return null;
        CmdletAttribute? cmdlet = type.GetCustomAttribute<CmdletAttribute>();
        if (cmdlet is null)
            return null;

        object? instance = null;
        try
        {
            instance = Activator.CreateInstance(type);
        }
        catch (Exception)
        {
            // No defaults then: a cmdlet whose constructor needs more than a bare process.
        }

        var parameters = new List<ParameterModel>();
        int order = 0;
        // Derived class first, then its bases, each in declaration order: the cmdlet's own parameters lead.
        for (Type? t = type; t is not null && t != typeof(PSCmdlet) && t != typeof(Cmdlet); t = t.BaseType)
        {
            foreach (PropertyInfo property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                         .OrderBy(p => p.MetadataToken))
            {
                ParameterModel? parameter = ParameterModel.Read(property, instance, order++);
                if (parameter is not null && parameters.All(p => !p.Name.Equals(parameter.Name, StringComparison.OrdinalIgnoreCase)))
                    parameters.Add(parameter);
            }
        }

        var outputs = type.GetCustomAttributes<OutputTypeAttribute>()
            .SelectMany(o => o.Type)
            .Select(t => t.Type?.FullName ?? t.Name)
            .Where(n => n is not null && n != "System.Void")
            .Distinct()
            .ToList();

        return new CmdletModel
        {
            Type = type,
            Verb = cmdlet.VerbName,
            Noun = cmdlet.NounName,
            DefaultSet = cmdlet.DefaultParameterSetName,
            SupportsShouldProcess = cmdlet.SupportsShouldProcess,
            ConfirmImpact = cmdlet.ConfirmImpact,
            Parameters = parameters,
            OutputTypes = outputs!,
        };
    }
}

public sealed record SetMembership(bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

public sealed class ParameterModel
{
    public required string Name { get; init; }

    public required Type Type { get; init; }

    public PropertyInfo? Property { get; init; }

    public int Order { get; init; }

    /// <summary>Keyed by set name (AllSets for a parameter of every set).</summary>
    public required Dictionary<string, SetMembership> Sets { get; init; }

    public List<string> Aliases { get; init; } = [];

    public bool SupportsWildcards { get; init; }

    public List<string> AcceptedValues { get; init; } = [];

    public string? DefaultValue { get; init; }

    public bool IsSwitch => Type == typeof(SwitchParameter);

    public SetMembership? In(string set) =>
        Sets.TryGetValue(set, out SetMembership? m) ? m : Sets.GetValueOrDefault(CmdletModel.AllSets);

    public static ParameterModel? Read(PropertyInfo property, object? instance, int order)
    {
        var attributes = property.GetCustomAttributes<ParameterAttribute>().ToList();
        if (attributes.Count == 0 || attributes.Any(a => a.DontShow))
            return null;
        var sets = new Dictionary<string, SetMembership>(StringComparer.Ordinal);
        foreach (ParameterAttribute a in attributes)
        {
            sets[a.ParameterSetName] = new SetMembership(a.Mandatory, a.Position == int.MinValue ? null : a.Position,
                a.ValueFromPipeline, a.ValueFromPipelineByPropertyName);
        }
        return new ParameterModel
        {
            Name = property.Name,
            Type = property.PropertyType,
            Property = property,
            Order = order,
            Sets = sets,
            Aliases = property.GetCustomAttributes<AliasAttribute>().SelectMany(a => a.AliasNames).ToList(),
            SupportsWildcards = property.GetCustomAttribute<SupportsWildcardsAttribute>() is not null,
            AcceptedValues = property.GetCustomAttributes<ValidateSetAttribute>().SelectMany(v => v.ValidValues).ToList(),
            DefaultValue = ReadDefault(property, instance),
        };
    }

    /// <summary>A switch the generator adds: -WhatIf and -Confirm of a cmdlet that supports ShouldProcess.</summary>
    public static ParameterModel Common(string name, string alias, int order) => new()
    {
        Name = name,
        Type = typeof(SwitchParameter),
        Order = order,
        Sets = new() { [CmdletModel.AllSets] = new SetMembership(false, null, false, false) },
        Aliases = [alias],
        DefaultValue = "False",
    };

    private static string? ReadDefault(PropertyInfo property, object? instance)
    {
        if (instance is null || property.GetMethod is null)
            return null;
        object? value;
        try
        {
            value = property.GetValue(instance);
        }
        catch (Exception)
        {
            return null;
        }
        return value switch
        {
            null => null,
            SwitchParameter s => s.IsPresent ? "True" : "False",
            string s => s.Length == 0 ? null : s,
            IEnumerable e and not string => e.Cast<object>().Any() ? string.Join(", ", e.Cast<object>()) : null,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }
}
