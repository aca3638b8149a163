using Cairn.Core.Storage;

namespace Cairn.Server.Hosting;

/// <summary>Removes expired token revocations and scroll states from the store every hour.</summary>
public sealed class SessionPurgeJob(IMetadataStore store, TimeProvider time, ILogger<SessionPurgeJob> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var purged = await store.Sessions.PurgeExpiredAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                logger.LogDebug("Purged {Count} expired sessions and scrolls", purged);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Purging expired sessions failed; will retry in {Interval}", Interval);
            }
        }
    }
}
