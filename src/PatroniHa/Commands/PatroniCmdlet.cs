using System.Management.Automation;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sessions;
using PatroniHa.Errors;

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
    /// session's monitor reports meanwhile, is written from this thread. Engine errors become terminating
    /// ErrorRecords with their stable ErrorId.
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
        catch (PatroniHaException ex)
        {
            if (StopToken.IsCancellationRequested)
                throw new PipelineStoppedException();
            ThrowTerminatingError(ErrorRecords.From(ex));
            throw; // not reached
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    internal void Run(Func<PipelineQueue, CancellationToken, Task> work, ClusterSession? session = null) =>
        Run<bool>(async (q, ct) =>
        {
            await work(q, ct).ConfigureAwait(false);
            return true;
        }, session);

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
