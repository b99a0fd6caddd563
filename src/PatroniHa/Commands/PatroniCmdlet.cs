using System.Management.Automation;
using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sessions;
using PatroniHa.Errors;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// Base of every cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels, and a way to run engine
/// work while this thread writes what it produces to the pipeline.
/// </summary>
public abstract class PatroniCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    // Work left running when the pipeline stopped under it; the token source outlives it.
    private Task? _abandoned;

    protected CancellationToken StopToken => _stopping.Token;

    protected override void StopProcessing()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped after the command ended: nothing left to cancel.
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> and writes whatever it posts to the queue, and whatever the session's monitor
    /// reports meanwhile, from this thread. The work starts on this thread (no task or thread hop per call: a
    /// statement that completes at once costs no more than the statement) and this thread serves the queue while
    /// it waits (a statement's blocking first attempt, QueryRequest.BlockingFirstAttempt, waits on the socket
    /// instead: what the monitor posts meanwhile is written when it returns). Every failure becomes a terminating
    /// ErrorRecord with a stable ErrorId. With <c>drainRowsOnStop</c> a pipeline that stops taking rows does not stop
    /// the work (<see cref="PipelineQueue.DrainRowsOnStop"/>).
    /// </summary>
    internal T Run<T>(Func<PipelineQueue, CancellationToken, Task<T>> work, ClusterSession? session = null,
        bool drainRowsOnStop = false)
    {
        var queue = new PipelineQueue(onPipelineStopped: StopProcessing) { DrainRowsOnStop = drainRowsOnStop };
        Action? onEvent = session is null ? null : () => queue.TryPost(() => WriteSessionEvents(session));
        if (onEvent is not null)
            session!.Events.Posted += onEvent;
        Task<T>? task = null;
        try
        {
            task = Start(work, queue, StopToken);
            queue.RunUntilComplete();
        }
        catch
        {
            // The pipeline stopped (Ctrl+C, Select-Object -First …): stop the work too; what it still posts is dropped.
            queue.Close();
            _stopping.Cancel();
            _abandoned = task?.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            throw;
        }
        finally
        {
            if (onEvent is not null)
                session!.Events.Posted -= onEvent;
            if (session is not null)
                WriteSessionEvents(session);
        }

        if (queue.InlineFailure is { } stopped)
        {
            if (queue.DrainRowsOnStop && task.IsFaulted)
                ReportFailedAfterStop(task.Exception!.InnerException!);
            _abandoned = task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            stopped.Throw();
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

    // The pipeline stopped taking rows and the statement, run on to its end, then failed: a non-terminating error
    // with its own ErrorId ($Error and -ErrorVariable see it; -ErrorAction Stop cannot fire, the pipeline is already
    // stopping), before the stop goes on upstream.
    private void ReportFailedAfterStop(Exception failure)
    {
        ErrorRecord record = failure is PatroniHaException p ? ErrorRecords.From(p) : ErrorRecords.Unexpected(failure);
        record.ErrorDetails = new ErrorDetails("The pipeline stopped taking rows, so the statement was run to its end " +
                                               $"without them, and then it failed: {failure.Message}");
        WriteError(record);
    }

    // Runs the work on this thread up to its first real wait, with no synchronization context, so a continuation
    // can never need this (then blocked) thread; the queue completes however the work ends.
    private static Task<T> Start<T>(Func<PipelineQueue, CancellationToken, Task<T>> work, PipelineQueue queue,
        CancellationToken ct)
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return RunToEnd(work, queue, ct);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }

        static async Task<T> RunToEnd(Func<PipelineQueue, CancellationToken, Task<T>> work, PipelineQueue queue,
            CancellationToken ct)
        {
            try
            {
                return await work(queue, ct).ConfigureAwait(false);
            }
            finally
            {
                queue.Complete();
            }
        }
    }

    /// <summary>PowerShell disposes a command when its pipeline ends; abandoned work keeps the token until it ends.</summary>
    public void Dispose()
    {
        if (_abandoned is { IsCompleted: false } pending)
            pending.ContinueWith(_ => _stopping.Dispose(), TaskScheduler.Default);
        else
            _stopping.Dispose();
        GC.SuppressFinalize(this);
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
    /// PatroniNotConnected error when there is none (or, if <paramref name="mustBeConnected"/>, it is closed); a
    /// -Session name that names no session is a terminating PatroniSessionNotFound error.
    /// </summary>
    private protected PatroniSession RequireSession(PatroniSession? given, bool mustBeConnected = true)
    {
        if (given?.UnresolvedName is { } missing)
            throw Terminate(ErrorRecords.SessionNotFound(missing));
        SessionRegistry? registry = given is null ? SessionRegistry.ForCurrentRunspace() : null;
        PatroniSession? session = given ?? registry?.InTransaction ?? registry?.Default;
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

    /// <summary>
    /// Whether WriteVerbose would show anything: -Verbose, else $VerbosePreference. Checked before formatting a
    /// per-call message, so a call without -Verbose pays nothing for it.
    /// </summary>
    private protected bool VerboseWanted =>
        MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose)
            ? LanguagePrimitives.IsTrue(verbose)
            : LanguagePrimitives.ConvertTo<ActionPreference>(
                GetVariableValue("VerbosePreference", ActionPreference.SilentlyContinue))
                is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

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
