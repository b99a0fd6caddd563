using System.Diagnostics;
using System.Net;
using Npgsql;
using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Bench;

/// <summary>
/// The reference clock: one tight loop per candidate member trying a tiny INSERT on its own non-pooled
/// connection (kept while the member answers "read-only transaction", 25006, and opened afresh after any
/// other failure). A fresh connection per attempt cost a median 86 ms (SCRAM, backend start, clients busy) on this
/// machine, far too coarse; a held session writes the moment promotion completes, at ~1 ms per attempt.
/// The first attempt that commits says when the cluster became writable again.
/// </summary>
internal static class WritableProbe
{
    public sealed record Result(string Member, long At, int Attempts, double MedianAttemptMs);

    public static async Task<Result> RunAsync(IReadOnlyList<SandboxMember> candidates, NetworkCredential superuser,
        TimeSpan interval, TimeSpan timeout, CancellationToken ct)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        done.CancelAfter(timeout);
        var winner = new TaskCompletionSource<Result>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = done.Token.Register(() => winner.TrySetCanceled());
        Task[] loops = candidates.Select(m => Task.Run(() => ProbeAsync(m, superuser, interval, winner, done.Token))).ToArray();
        try
        {
            return await winner.Task;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No member accepted a write within {timeout.TotalSeconds:0} s.");
        }
        finally
        {
            done.Cancel();
            await Task.WhenAll(loops);
        }
    }

    private static async Task ProbeAsync(SandboxMember member, NetworkCredential superuser, TimeSpan interval,
        TaskCompletionSource<Result> winner, CancellationToken ct)
    {
        string cs = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = member.PgPort, Username = superuser.UserName, Password = superuser.Password,
            Database = "postgres", Pooling = false, Timeout = 1, CommandTimeout = 2, ApplicationName = "bench-probe",
        }.ConnectionString;
        var attemptMs = new List<double>();
        NpgsqlConnection? connection = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(cs);
                        await connection.OpenAsync(ct);
                        start = Stopwatch.GetTimestamp(); // the attempt cost below is the write alone
                    }
                    await using var command = new NpgsqlCommand("INSERT INTO bench_probe(member) VALUES (@m)", connection);
                    command.Parameters.AddWithValue("m", member.Name);
                    await command.ExecuteNonQueryAsync(ct);
                    long at = Stopwatch.GetTimestamp();
                    attemptMs.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                    winner.TrySetResult(new Result(member.Name, at, attemptMs.Count, Median(attemptMs)));
                    return;
                }
                catch (PostgresException e) when (e.SqlState == "25006" && !ct.IsCancellationRequested)
                {
                    // Still a standby: the same session can write the moment promotion completes.
                    attemptMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    // Refused, starting up, connection broken: open a fresh one next time.
                    if (connection is not null)
                        await connection.DisposeAsync();
                    connection = null;
                }
                catch (Exception)
                {
                    return;
                }
                try
                {
                    await Task.Delay(interval, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            if (connection is not null)
                await connection.DisposeAsync();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
