using Cairn.Core.Storage;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>
/// Works through the file deletion queue: deletes each queued URL's file, and on failure retries
/// with exponential backoff (10 s doubling up to an hour). State is in the store, so a restart
/// resumes where the last process stopped and replicas share the work.
/// Each deletion waits <see cref="CairnOptions.FileDeletionGraceSeconds"/> first, as ClearML's
/// async-delete job does, so the SDK's own <c>DELETE</c> of the file right after deleting its
/// model finds it; a deleted file's queue entry is kept for one more grace period, so a
/// <c>DELETE</c> arriving late still gets 200 (<see cref="FileDeletionQueue.IsQueuedAsync"/>).
/// </summary>
public sealed class FileDeletionJob(
    IMetadataStore store, FileStorage storage, ExternalStorage external, FileDeletionQueue queue, TimeProvider time, IOptions<CairnOptions> options,
    CairnMetrics metrics, IHostApplicationLifetime lifetime, ILogger<FileDeletionJob> logger) : BackgroundService
{
    private readonly TimeSpan _grace = TimeSpan.FromSeconds(options.Value.FileDeletionGraceSeconds);

    /// <summary>The <see cref="FileDeletion.LastError"/> of an entry kept after its file was deleted.</summary>
    public const string DeletedMarker = "deleted; kept for the grace period so a late DELETE of the file succeeds";

    /// <summary>How the <see cref="FileDeletion.LastError"/> of an object waiting for <see cref="StorageCredentials"/> starts.</summary>
    public const string NoCredentialsMarker = "waiting for credentials: ";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    // A claim not completed within this (its process died) becomes due again.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private const int BatchSize = 100;

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1 after <paramref name="attempts"/> failures.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << Math.Clamp(attempts - 1, 0, 20)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await RetryWaitingForCredentialsAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not look for deletions waiting for storage credentials");
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Runs at once on start: deletions queued before a restart are not waiting for a poll.
                while (await ProcessDueAsync(stoppingToken).ConfigureAwait(false) == BatchSize)
                {
                }
                metrics.SetDeletionQueueDepth(await store.Files.CountDeletionsAsync(DeletedMarker, stoppingToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Processing the file deletion queue failed; will retry in {Interval}", PollInterval);
            }
            // With a grace period nothing is due when a deletion is queued: polling at that pace
            // runs each one between one and two grace periods after it was queued.
            var poll = _grace > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Clamp(_grace.Ticks, TimeSpan.TicksPerSecond, PollInterval.Ticks)) : PollInterval;
            await queue.WaitAsync(poll, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Says how many deletions wait for <see cref="StorageCredentials"/> and makes them due now: the
    /// credentials may have been added before this start, and they should not wait out an hour's backoff.
    /// </summary>
    public async Task<int> RetryWaitingForCredentialsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        FileDeletion? first = null;
        var count = 0;
        await foreach (var deletion in queue.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (deletion.LastError?.StartsWith(NoCredentialsMarker, StringComparison.Ordinal) != true)
            {
                continue;
            }
            first ??= deletion;
            count++;
            await store.Files.RetryDeletionAsync(deletion.Id, now - _grace, deletion.LastError, cancellationToken).ConfigureAwait(false);
        }
        if (first is not null)
        {
            logger.LogWarning("{Count} queued deletions of objects on S3, Azure or GCS wait for {Section} (the first: {Url}, {Problem}); trying them again now",
                count, StorageCredentials.Section, first.Url, first.LastError![NoCredentialsMarker.Length..]);
        }
        return count;
    }

    /// <summary>Processes the deletions due now; returns how many were claimed.</summary>
    public async Task<int> ProcessDueAsync(CancellationToken cancellationToken)
    {
        // Judged one grace period late: everything becomes due that long after its due time
        // (retries included), with no change to what the store keeps.
        var now = time.GetUtcNow();
        var due = await store.Files.ClaimDeletionsAsync(now - _grace, BatchSize, Lease + _grace, cancellationToken).ConfigureAwait(false);
        foreach (var deletion in due)
        {
            try
            {
                if (await DeleteAsync(deletion, cancellationToken).ConfigureAwait(false) && _grace > TimeSpan.Zero)
                {
                    // The entry stays as a tombstone; its next pass finds no file and completes it.
                    await store.Files.RetryDeletionAsync(deletion.Id, now, DeletedMarker, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.Files.CompleteDeletionAsync(deletion.Id, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (MissingStorageCredentialsException e)
            {
                // Never dropped: it stays queued, retried at the backoff's pace (at most hourly), until credentials are configured.
                var next = time.GetUtcNow() + Backoff(deletion.Attempts);
                logger.LogWarning("Cannot delete {Url}: {Problem}; it stays in the file deletion queue (attempt {Attempts}, next at {Next})",
                    deletion.Url, e.Message, deletion.Attempts, next);
                await store.Files.RetryDeletionAsync(deletion.Id, next, NoCredentialsMarker + e.Message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var next = time.GetUtcNow() + Backoff(deletion.Attempts);
                logger.LogWarning("Deleting {Url} failed (attempt {Attempts}): {Error}; next attempt at {Next}", deletion.Url, deletion.Attempts, e.Message, next);
                await store.Files.RetryDeletionAsync(deletion.Id, next, e.Message, cancellationToken).ConfigureAwait(false);
            }
        }
        return due.Count;
    }

    /// <summary>Deletes the file of a queued URL when it is still this deletion's to delete; true when a file was deleted.</summary>
    private async Task<bool> DeleteAsync(FileDeletion deletion, CancellationToken cancellationToken)
    {
        if (ExternalStorage.IsExternal(deletion.Url))
        {
            return await DeleteExternalAsync(deletion, cancellationToken).ConfigureAwait(false);
        }
        var encoded = queue.ToPathOrNull(deletion.Url);
        // Queued under another files URL (the server moved) or not a valid path: nothing of ours to delete.
        if (encoded is null || FilePath.ParseOrNull(Uri.UnescapeDataString(encoded), out _) is not { } path)
        {
            logger.LogInformation("Dropping queued deletion of {Url}: not a file of this server", deletion.Url);
            return false;
        }
        // The SDK reuses a weights URL for a task's next model with the same file name: a file
        // stored again after the deletion was queued belongs to someone else now.
        var record = await store.Files.GetOrNullAsync(path, cancellationToken).ConfigureAwait(false);
        if (record is not null && record.Stored > deletion.Queued)
        {
            logger.LogInformation("Keeping {Path}: stored again after its deletion was queued", path);
            return false;
        }
        // Two models may share one weights URL (the SDK reuses it): the file goes with the last of them.
        if (await store.Models.IsUriInUseAsync(deletion.Url, cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("Keeping {Path}: another model still uses {Url}", path, deletion.Url);
            return false;
        }
        var outcome = await storage.DeleteAsync(path, folders: false, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Queued deletion of {Path}: {Outcome}", path, outcome);
        return outcome == FileDeleteOutcome.Deleted;
    }

    /// <summary>
    /// Deletes an object the SDK wrote to S3 or Azure. Always false: the file server never answers
    /// for these URLs, so no entry is kept for a late <c>DELETE</c>.
    /// </summary>
    /// <exception cref="MissingStorageCredentialsException">No configured credentials serve the URL.</exception>
    private async Task<bool> DeleteExternalAsync(FileDeletion deletion, CancellationToken cancellationToken)
    {
        if (await store.Models.IsUriInUseAsync(deletion.Url, cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("Keeping {Url}: another model still uses it", deletion.Url);
            return false;
        }
        var deleted = await external.DeleteAsync(deletion.Url, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Queued deletion of {Url}: {Outcome}", deletion.Url, deleted ? "deleted" : "not there");
        return false;
    }
}
