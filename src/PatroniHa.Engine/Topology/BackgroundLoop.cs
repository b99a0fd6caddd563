namespace PatroniHa.Engine.Topology;

/// <summary>Stopping a background loop (the monitor's, the lease's): cancel, await its end, release the token source.</summary>
internal static class BackgroundLoop
{
    /// <summary>False when it was stopped already (dispose twice is fine).</summary>
    public static async Task<bool> StopAsync(CancellationTokenSource stop, Task loop)
    {
        if (stop.IsCancellationRequested)
            return false;
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        stop.Dispose();
        return true;
    }
}
