using System.Diagnostics;
using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Administration;

/// <summary>
/// The one wait loop of the administration commands: asks <c>check</c> until it says the condition holds
/// (null) or the deadline passes (PatroniWaitTimeout with the last reason). Unreachable endpoints while members
/// restart count as "not yet", never as a failure; a check may throw to fail the wait at once.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public static async Task UntilAsync(string what, TimeSpan timeout, Func<CancellationToken, Task<string?>> check,
        Action<string>? progress, CancellationToken ct, object? target = null)
    {
        var sw = Stopwatch.StartNew();
        string last = "nothing yet";
        string? shown = null;
        while (true)
        {
            try
            {
                if (await check(ct).ConfigureAwait(false) is not { } notYet)
                    return;
                last = notYet;
            }
            catch (PatroniHaException e) when (e.ErrorId is PatroniErrorIds.TopologyUnavailable or PatroniErrorIds.NotPatroni
                                                   && !ct.IsCancellationRequested)
            {
                last = e.Message;
            }
            if (progress is not null && last != shown)
            {
                progress($"Waiting for {what}: {last}");
                shown = last;
            }
            if (sw.Elapsed >= timeout)
                throw AdminErrors.WaitTimeout(what, timeout, last, target);
            await Task.Delay(Interval, ct).ConfigureAwait(false);
        }
    }
}
