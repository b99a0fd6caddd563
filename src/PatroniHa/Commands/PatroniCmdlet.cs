using System.Management.Automation;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sessions;
using PatroniHa.Errors;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Base of every cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels, and a way to run engine
/// work in the background while this thread writes what it produces to the pipeline.
/// </summary>
public abstract class PatroniCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();

    protected CancellationToken StopToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> off the pipeline thread. Whatever it posts to the queue, and whatever the
    /// session's monitor reports meanwhile, is written from this thread. Every failure becomes a terminating
    /// ErrorRecord with a stable ErrorId.
    /// </summary>
    internal T Run<T>(Func<PipelineQueue, CancellationToken, Task<T>> work, ClusterSession? session = null)
    {
        using var queue = new PipelineQueue();
        Action? onEvent = session is null ? null : () => queue.TryPost(() => WriteSessionEvents(session));
        if (onEvent is not null)
            session!.Events.Posted += onEvent;
        Task<T> task = Task.Run(async () =>
        {
            try
            {
                return await work(queue, StopToken).ConfigureAwait(false);
            }
            finally
            {
                queue.Complete();
            }
        });
        try
        {
            queue.RunUntilComplete();
        }
        catch
        {
            // The pipeline stopped (Ctrl+C, Select-Object -First …): stop the work too.
            _stopping.Cancel();
            _ = task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            throw;
        }
        finally
        {
            if (onEvent is not null)
                session!.Events.Posted -= onEvent;
            if (session is not null)
                WriteSessionEvents(session);
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (Exception) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (PatroniHaException ex)
        {
            throw Terminate(ErrorRecords.From(ex));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            // The engine should only throw PatroniHaException; anything else still leaves as a record.
            throw Terminate(ErrorRecords.Unexpected(ex));
        }
    }

    internal void Run(Func<PipelineQueue, CancellationToken, Task> work, ClusterSession? session = null) =>
        Run<bool>(async (q, ct) =>
        {
            await work(q, ct).ConfigureAwait(false);
            return true;
        }, session);

    /// <summary>
    /// ThrowTerminatingError, typed so callers can write <c>throw Terminate(…)</c> and the compiler knows the
    /// method ends there.
    /// </summary>
    private protected Exception Terminate(ErrorRecord record)
    {
        ThrowTerminatingError(record);
        return new InvalidOperationException("not reached");
    }

    /// <summary>
    /// <paramref name="given"/> (-Session), else this runspace's default session; a terminating
    /// PatroniNotConnected error when there is none (or, if <paramref name="mustBeConnected"/>, it is closed).
    /// </summary>
    private protected PatroniSession RequireSession(PatroniSession? given, bool mustBeConnected = true)
    {
        PatroniSession? session = given ?? SessionRegistry.ForCurrentRunspace()?.Default;
        if (session is null || (mustBeConnected && !session.IsConnected))
            throw Terminate(ErrorRecords.NotConnected());
        return session;
    }

    /// <summary>
    /// A progress callback for background work: posts each status to this thread, which shows it on
    /// <paramref name="record"/> (and, with <paramref name="verbose"/>, in the verbose stream).
    /// </summary>
    internal Action<string, int?> ProgressPoster(PipelineQueue queue, ProgressRecord record, bool verbose = true) =>
        (status, percent) => queue.TryPost(() =>
        {
            record.StatusDescription = status;
            if (percent is { } p)
                record.PercentComplete = Math.Clamp(p, -1, 100);
            WriteProgress(record);
            if (verbose)
                WriteVerbose(status);
        });

    private protected void CompleteProgress(ProgressRecord record)
    {
        record.RecordType = ProgressRecordType.Completed;
        WriteProgress(record);
    }

    /// <summary>Writes what the session's background parts reported (failover messages …).</summary>
    internal void WriteSessionEvents(ClusterSession session)
    {
        while (session.Events.TryTake(out SessionEvent? e))
        {
            if (e!.Kind == SessionEventKind.Warning)
                WriteWarning(e.Message);
            else
                WriteVerbose($"[{e.At.ToLocalTime():HH:mm:ss.fff}] {e.Message}");
        }
    }
}
