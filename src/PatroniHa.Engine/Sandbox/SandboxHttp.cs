namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// The sandbox's own GET (plain HttpClient, independent of the engine's Patroni client): every request has its
/// own deadline, since a suspended (SIGSTOPped) process accepts the connection and never answers.
/// </summary>
internal static class SandboxHttp
{
    /// <summary>
    /// GET <paramref name="uri"/> and <paramref name="read"/> the answer (any status) within <paramref name="timeout"/>;
    /// default when there was no usable answer (refused, reset, silent, or <paramref name="read"/> failed with
    /// an exception <paramref name="unusable"/> accepts). Cancellation of <paramref name="ct"/> is thrown.
    /// </summary>
    public static async Task<T?> TryGetAsync<T>(HttpClient http, Uri uri, TimeSpan timeout,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken ct,
        Func<Exception, bool>? unusable = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(uri, deadline.Token).ConfigureAwait(false);
            return await read(response, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested)
                                      || unusable?.Invoke(e) == true)
        {
            return default;
        }
    }
}
