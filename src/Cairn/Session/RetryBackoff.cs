using System.Net;

namespace Cairn.Session;

/// <summary>
/// Exponential backoff with jitter for transient failures (connection errors, 429, 502, 503, 504),
/// bounded by a deadline so a call never retries forever (ClearML's SDK loops forever on them).
/// </summary>
internal sealed class RetryBackoff
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);

    private readonly DateTimeOffset _deadline;

    private readonly TimeProvider _time;

    private int _attempt;

    public RetryBackoff(TimeSpan deadline, TimeProvider time)
    {
        _time = time;
        _deadline = time.GetUtcNow() + deadline;
    }

    /// <summary>How many attempts have failed so far.</summary>
    public int FailedAttempts => _attempt;

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>
    /// The wait before the next attempt, or null when that attempt would start after the deadline.
    /// A server's <c>Retry-After</c> is honoured when it is longer than the backoff.
    /// </summary>
    public TimeSpan? NextDelay(TimeSpan? retryAfter)
    {
        var ceiling = FirstDelay * Math.Pow(2, Math.Min(_attempt, 20));
        _attempt++;
        if (ceiling > LongestDelay)
        {
            ceiling = LongestDelay;
        }
        // "Equal jitter": at least half the backoff, so retries spread out without collapsing to zero.
        var delay = (ceiling / 2) + (ceiling / 2 * Random.Shared.NextDouble());
        if (retryAfter is { } after && after > delay)
        {
            delay = after;
        }
        var remaining = _deadline - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }
        return delay < remaining ? delay : remaining;
    }
}
