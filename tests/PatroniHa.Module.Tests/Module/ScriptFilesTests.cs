using System.Management.Automation;
using System.Management.Automation.Language;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Module;

/// <summary>
/// The PowerShell files shipped for pwsh users (Pester suites, examples, build.ps1) cannot run here (no pwsh,
/// no Pester), so check what can be checked: they parse, and every PatroniHa command and parameter they use
/// exists in the built module.
/// </summary>
public class ScriptFilesTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        string root = ModulePaths.RepositoryRoot;
        foreach (string dir in new[] { "tests/Pester", "examples" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, dir), "*.ps1"))
                data.Add(Path.GetRelativePath(root, file));
        }
        data.Add("build.ps1");
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_parses_and_uses_only_existing_module_commands_and_parameters(string relativePath)
    {
        string path = Path.Combine(ModulePaths.RepositoryRoot, relativePath);
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        Assert.Empty(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));

        using var ps = new PowerShellSession();
        var commands = ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>()
            .Where(c => c.GetCommandName() is { } n && n.Contains("-Patroni", StringComparison.OrdinalIgnoreCase))
            .ToList();
        foreach (CommandAst command in commands)
        {
            string name = command.GetCommandName();
            var info = (CommandInfo?)ps.Ok("Get-Command -Name $n -Module PatroniHa -ErrorAction SilentlyContinue",
                new Dictionary<string, object?> { ["n"] = name }).SingleOrDefault()?.BaseObject;
            Assert.True(info is not null, $"{relativePath}:{command.Extent.StartLineNumber}: {name} is not a PatroniHa command");
            foreach (CommandParameterAst parameter in command.CommandElements.OfType<CommandParameterAst>())
            {
                bool known = info!.Parameters.Keys.Any(k => k.StartsWith(parameter.ParameterName, StringComparison.OrdinalIgnoreCase))
                    || info.Parameters.Values.Any(p => p.Aliases.Contains(parameter.ParameterName, StringComparer.OrdinalIgnoreCase));
                Assert.True(known, $"{relativePath}:{parameter.Extent.StartLineNumber}: {name} has no parameter -{parameter.ParameterName}");
            }
        }
    }
}
