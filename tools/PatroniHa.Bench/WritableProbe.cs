using System.Diagnostics;
using System.Net;
using Npgsql;
using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Bench;

/// <summary>
/// The reference clock: one tight loop per candidate member, each attempt a fresh non-pooled connection and
/// a tiny INSERT. The first attempt that commits says when the cluster became writable again.
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
        while (!ct.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("INSERT INTO bench_probe(member) VALUES (@m)", connection);
                command.Parameters.AddWithValue("m", member.Name);
                await command.ExecuteNonQueryAsync(ct);
                long at = Stopwatch.GetTimestamp();
                attemptMs.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                winner.TrySetResult(new Result(member.Name, at, attemptMs.Count, Median(attemptMs)));
                return;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Refused, in recovery (25006), starting up: not yet.
                attemptMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
