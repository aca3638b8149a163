namespace Cairn.Server.Hosting;

/// <summary>
/// The host starts its background services before Kestrel binds, and a job's first pass (SQLite
/// calls complete synchronously) would run on the path to the first answer. Jobs whose first
/// pass is not needed to answer a request wait for this instead.
/// </summary>
public static class AfterStart
{
    /// <summary>Completes once the host has started (the listeners are bound), at once if it already has.</summary>
    public static async Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (cancellationToken.Register(() => started.TrySetCanceled(cancellationToken)))
        {
            await started.Task.ConfigureAwait(false);
        }
    }
}
