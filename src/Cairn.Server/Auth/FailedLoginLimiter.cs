using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Cairn.Core.Errors;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Auth;

/// <summary>
/// Limits failed Basic authentications per client address and per access key (token buckets
/// from ASP.NET Core's rate limiter). A refused Basic request costs a PBKDF2 (even for an unknown
/// key, so timing does not reveal which names exist), so once an address or a key has used up
/// its failures, its Basic requests are answered 429 with <c>Retry-After</c> before any hashing,
/// right credentials included (otherwise a guesser would still learn when it hit). Successes
/// cost nothing from the buckets; Bearer tokens are cheap to check and are not limited.
/// </summary>
public sealed class FailedLoginLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly int _perAddress;
    private readonly int _perKey;

    public FailedLoginLimiter(IOptions<CairnOptions> options)
    {
        var (perAddress, perKey) = (_perAddress, _perKey) = (options.Value.FailedAuthPerAddressPerMinute, options.Value.FailedAuthPerKeyPerMinute);
        if (perAddress == 0 && perKey == 0)
        {
            return;
        }
        _limiter = PartitionedRateLimiter.Create<string, string>(partition =>
        {
            var limit = partition.StartsWith('a') ? perAddress : perKey;
            return limit == 0
                ? RateLimitPartition.GetNoLimiter(partition)
                : RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    // A burst of `limit`, refilled evenly over a minute.
                    TokenLimit = limit,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1) / limit,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
        });
    }

    /// <summary>Throws 429 (and sets <c>Retry-After</c>) when the caller's address or the key has no failures left.</summary>
    public void EnsureAllowed(HttpContext http, string key)
    {
        foreach (var partition in Partitions(http, key))
        {
            // Statistics, not a zero-permit lease: the bucket refills in fractions, and a fraction
            // of a token would let a zero-permit request through.
            if (_limiter?.GetStatistics(partition) is { CurrentAvailablePermits: < 1 })
            {
                var byAddress = partition.StartsWith('a');
                // One token comes back every minute / limit.
                var seconds = (int)Math.Ceiling(60.0 / (byAddress ? _perAddress : _perKey));
                http.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
                throw new CairnException(ErrorCodes.TooManyFailedLogins,
                    byAddress ? "from this address; try again later" : "for this key; try again later");
            }
        }
    }

    /// <summary>Counts one failed attempt against the caller's address and the key.</summary>
    public void RecordFailure(HttpContext http, string key)
    {
        foreach (var partition in Partitions(http, key))
        {
            _limiter?.AttemptAcquire(partition, 1).Dispose();
        }
    }

    // Keys are the caller's text: cut to the longest real key, so a partition's name stays small.
    private static string[] Partitions(HttpContext http, string key) =>
        ["a:" + (http.Connection.RemoteIpAddress ?? IPAddress.None), "k:" + (key.Length <= 128 ? key : key[..128])];

    public void Dispose() => _limiter?.Dispose();
}
