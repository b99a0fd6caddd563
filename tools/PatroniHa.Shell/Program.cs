using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PatroniHa.Shell;

// patroniha-shell [-File script.ps1 [args…]] | [-Command "…"]
// Runs PowerShell 7.6 in-process with out/PatroniHa imported; output is formatted by the module's views.
string root = FindRepositoryRoot();
string manifest = Path.Combine(root, "out", "PatroniHa", "PatroniHa.psd1");
if (!File.Exists(manifest))
{
    Console.Error.WriteLine($"The module is not built ({manifest} is missing): run `dotnet build PatroniHaModule.sln -c Release`.");
    return 2;
}
if (args.Length < 2 || args[0] is not ("-File" or "-Command"))
{
    Console.Error.WriteLine("usage: patroniha-shell -File <script.ps1> [arguments] | -Command \"<PowerShell>\"");
    return 2;
}

var host = new ConsoleHost();
InitialSessionState state = InitialSessionState.CreateDefault2();
state.ImportPSModule(manifest);
state.ThrowOnRunspaceOpenError = true;
using Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
runspace.Open();

using PowerShell ps = PowerShell.Create();
ps.Runspace = runspace;
if (args[0] == "-File")
{
    ps.AddCommand(Path.GetFullPath(args[1]));
    foreach (string arg in args.Skip(2))
        ps.AddArgument(arg);
}
else
{
    ps.AddScript(string.Join(' ', args.Skip(1)));
}
ps.AddCommand("Out-Default");
ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);

Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    ps.BeginStop(null, null);
};
try
{
    ps.Invoke();
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine($"{ex.ErrorRecord.FullyQualifiedErrorId}: {ex.Message}");
    return 1;
}
return ps.HadErrors ? 1 : host.ExitCode;

static string FindRepositoryRoot()
{
    foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PatroniHaModule.sln")))
                return dir.FullName;
        }
    }
    return Directory.GetCurrentDirectory();
}
