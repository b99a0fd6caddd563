using System.Management.Automation;
using PatroniHa.Engine.Drills;
using PatroniHa.Engine.Patroni;
using PatroniHa.Sessions;

namespace PatroniHa.Commands;

/// <summary>
/// A cmdlet that talks to Patroni's REST API for the session: -ApiCredential for the requests that change
/// something, and a way to run the engine call with progress and objects written as they come.
/// </summary>
public abstract class PatroniAdminCmdlet : PatroniPipedSessionCmdlet
{
    /// <summary>Patroni's REST API user (restapi.authentication); default: the session's.</summary>
    [Parameter]
    [ValidateNotNull]
    [Credential]
    public PSCredential? ApiCredential { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> with the session's REST API; <c>emit</c> writes an object (an ErrorRecord:
    /// a non-terminating error) from this thread, <c>progress</c> shows a status line.
    /// </summary>
    private protected T RunApi<T>(PatroniSession session, string activity,
        Func<DrillApi, Action<object>, Action<string>, CancellationToken, Task<T>> work)
    {
        var progress = new ProgressRecord(ChangeSupport.ProgressId, activity, "Reading the cluster");
        T result = Run(async (queue, ct) =>
        {
            using DrillApi api = DrillApi.For(session.Engine, ChangeSupport.ToNetwork(ApiCredential));
            Action<string, int?> post = ProgressPoster(queue, progress);
            return await work(api, o => queue.TryPost(() =>
            {
                if (o is ErrorRecord r)
                    WriteError(r);
                else
                    WriteObject(o);
            }), s => post(s, null), ct).ConfigureAwait(false);
        }, session.Engine);
        CompleteProgress(progress);
        return result;
    }

    /// <summary>The cluster as Patroni reports it now (for ShouldProcess targets and member selection).</summary>
    private protected ClusterSnapshot ReadCluster(PatroniSession session) =>
        RunApi(session, "Reading the Patroni cluster", (api, _, _, ct) => api.GetClusterAsync(ct));
}
