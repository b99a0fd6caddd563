using System.Diagnostics;
using System.Runtime.InteropServices;
using PatroniHa.Bench;

BenchOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(BenchOptions.Usage);
        return 0;
    }
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

// Ctrl+C / SIGTERM / the overall budget cancel everything; the sandbox is disposed on the way out.
using var cts = new CancellationTokenSource(options.Budget);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("cancelling: tearing the sandbox down ...");
    cts.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});

var clock = Stopwatch.StartNew();
void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

if (options.Reads)
{
    try
    {
        await new ReadBench(options.Rounds, options.Ops, Log).RunAsync(cts.Token);
        return 0;
    }
    catch (Exception e)
    {
        Log($"benchmark failed: {e.GetType().Name}: {e.Message}");
        return 1;
    }
}

using var trace = NpgsqlTrace.Install(options.Trace);
var bench = new FailoverBench(options, Log, trace);
bool headerPrinted = false;
int exit = 0;
try
{
    await bench.RunAsync(r =>
    {
        if (!headerPrinted)
        {
            Report.Header(options, bench.NpgsqlConnectionString);
            headerPrinted = true;
        }
        Report.Line(r);
    }, cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Log("cancelled (Ctrl+C, SIGTERM or --budget-min); partial results follow");
    exit = 1;
}
catch (Exception e)
{
    Log($"benchmark failed: {e.GetType().Name}: {e.Message}");
    exit = 1;
}
finally
{
    Log($"done in {clock.Elapsed.TotalSeconds:0} s");
}
Report.Summary(bench.Results, bench.SessionFailovers, options.Planned);
return exit;
