using Cairn.Core.Storage;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Hosting;

/// <summary>
/// Stops in-progress tasks that stopped pinging (ClearML's non-responsive task watchdog, api.md §5.2):
/// every <see cref="CairnOptions.TaskWatchdogIntervalSeconds"/> it stops the tasks whose last_update
/// is older than <see cref="CairnOptions.TaskTimeoutSeconds"/>. The stop is one conditional update
/// in the store, so replicas running it at once stop each task once.
/// </summary>
public sealed class TaskWatchdog(IMetadataStore store, TimeProvider time, IOptions<CairnOptions> options, ILogger<TaskWatchdog> logger) : BackgroundService
{
    /// <summary>The status reason ClearML gives a task it stops for not responding.</summary>
    public const string Reason = "Forced stop (non-responsive)";

    /// <summary>Stops the non-responsive tasks now; the number stopped.</summary>
    public async Task<int> StopNonRespondingAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var stopped = await store.Tasks.StopNonRespondingAsync(now.AddSeconds(-options.Value.TaskTimeoutSeconds), Reason, now, cancellationToken).ConfigureAwait(false);
        if (stopped > 0)
        {
            logger.LogInformation("Stopped {Count} non-responsive tasks", stopped);
        }
        return stopped;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.TaskWatchdogIntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await StopNonRespondingAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Stopping non-responsive tasks failed; will retry in {Interval}", interval);
            }
        }
    }
}
