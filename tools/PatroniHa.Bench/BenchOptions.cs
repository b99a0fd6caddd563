namespace PatroniHa.Bench;

internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;
    public bool Planned { get; init; }
    public bool Synchronous { get; init; }
    public TimeSpan Pace { get; init; } = TimeSpan.FromMilliseconds(5);
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(10);
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(5);
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(20);
    public bool Trace { get; init; }

    /// <summary>The read routing benchmark instead of the failover one.</summary>
    public bool Reads { get; init; }
    public int Rounds { get; init; } = 5;
    public int Ops { get; init; } = 1000;

    public const string Usage = """
        Usage: patroniha-bench failover [options]
               patroniha-bench reads [--rounds <n>] [--ops <n>]
          reads: the read path (each read policy in its cheapest setting) and the write path with and without
          learning the commit LSN, against raw Npgsql measured in the same run; prints a table of ratios.
            --rounds <n>           interleaved rounds (default 5)   --ops <n>  operations per mode and round (default 1000)

          Starts a 3-member sandbox (ttl 10), then per run: kills the leader's Patroni and PostgreSQL with
          SIGKILL, probes the survivors until one accepts a write, and measures how long after that a
          PatroniHa session and Npgsql multi-host (Target Session Attributes=primary), both writing
          continuously, complete their first write. Brings the old leader back between runs.
        Options:
          --runs <n>               failovers to measure (default 5)
          --planned                POST /switchover instead of SIGKILL
          --sync                   Patroni synchronous_mode: true
          --pace-ms <n>            client pause after a successful insert (default 5)
          --retry-ms <n>           client pause after a failed insert (default 10)
          --probe-ms <n>           writable-probe pause between attempts (default 5)
          --health-check-sec <n>   session HealthCheckInterval (default 30, the module's default)
          --budget-min <n>         give up after this many minutes in all (default 20)
          --trace                  print Npgsql's log of the PatroniHa session around each writable moment
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            if (args[0] is not ("failover" or "reads"))
                throw new ArgumentException($"Unknown command '{args[0]}'.");
            o = o with { Reads = args[0] == "reads" };
            i = 1;
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            o = a switch
            {
                "--runs" => o with { Runs = Int(args, ref i, 1) },
                "--planned" => o with { Planned = true },
                "--sync" => o with { Synchronous = true },
                "--trace" => o with { Trace = true },
                "--pace-ms" => o with { Pace = TimeSpan.FromMilliseconds(Int(args, ref i, 0)) },
                "--retry-ms" => o with { RetryDelay = TimeSpan.FromMilliseconds(Int(args, ref i, 0)) },
                "--probe-ms" => o with { ProbeInterval = TimeSpan.FromMilliseconds(Int(args, ref i, 0)) },
                "--health-check-sec" => o with { HealthCheckInterval = TimeSpan.FromSeconds(Int(args, ref i, 1)) },
                "--rounds" => o with { Rounds = Int(args, ref i, 1) },
                "--ops" => o with { Ops = Int(args, ref i, 1) },
                "--budget-min" => o with { Budget = TimeSpan.FromMinutes(Int(args, ref i, 1)) },
                _ => throw new ArgumentException($"Unknown option '{a}'."),
            };
        }
        return o;
    }

    private static int Int(string[] args, ref int i, int min)
    {
        string name = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], out int value) || value < min)
            throw new ArgumentException($"{name} needs a whole number >= {min}.");
        return value;
    }
}
