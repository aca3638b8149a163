using System.Net;

namespace Cairn.Session;

/// <summary>
/// Which failed calls may be sent again. A failure that proves the server never processed the
/// call (no connection, no name resolution, 429, 503) is retried for any call. A failure after the
/// request may have been processed (the connection lost after sending, no answer in time, 502 or
/// 504 from a proxy) is retried only for idempotent calls, as repeating a create or an event batch
/// could store it twice: reads (<c>get*</c>), <c>edit*</c>, <c>update*</c>, <c>add_or_update*</c>,
/// <c>set_ready</c>, deletes by id, <c>auth.login</c>, <c>server.info</c> and <c>debug.ping</c>.
/// </summary>
internal static class RetryRule
{
    private static readonly string[] IdempotentPrefixes = ["get", "edit", "update", "add_or_update", "delete", "set_ready"];

    private static readonly string[] IdempotentActions = ["login", "info", "ping"];

    /// <summary>Whether repeating <paramref name="endpoint"/> (<c>service.action</c>) leaves the same state as sending it once.</summary>
    public static bool IsIdempotent(string endpoint)
    {
        var action = endpoint[(endpoint.LastIndexOf('.') + 1)..];
        return IdempotentPrefixes.Any(p => action.StartsWith(p, StringComparison.Ordinal)) || IdempotentActions.Contains(action, StringComparer.Ordinal);
    }

    /// <summary>A status that says the server did not process the call: retry any call.</summary>
    public static bool IsUnprocessed(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;

    /// <summary>A status after which the call may or may not have been processed: retry idempotent calls only.</summary>
    public static bool IsUncertain(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    /// <summary>A transport error before anything was sent (the connection or the name lookup failed).</summary>
    public static bool IsUnsent(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;

    /// <summary>Whether a failure of <paramref name="endpoint"/> may be retried; <paramref name="unsent"/> says the server provably did not process it.</summary>
    public static bool MayRetry(string endpoint, bool unsent) => unsent || IsIdempotent(endpoint);
}
