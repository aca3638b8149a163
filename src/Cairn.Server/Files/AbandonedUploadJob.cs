using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>
/// Removes the temporary files of uploads whose server was killed, at start-up and then every
/// <see cref="CairnOptions.AbandonedUploadIntervalSeconds"/>. A file is abandoned when no live
/// upload of this process owns it and nobody wrote it for <see cref="CairnOptions.AbandonedUploadAgeSeconds"/>;
/// replicas sharing the folder each run this, and a file two of them remove at once is no error.
/// </summary>
/// <remarks>
/// Live uploads are tracked in-process because file locks do not reach across hosts on a shared
/// (NFS, SMB) folder; another replica's live upload is told by its last write, which a live upload
/// renews at least every <see cref="CairnOptions.UploadIdleTimeoutSeconds"/> or is cut.
/// S3 and Azure stage nothing here: the bucket's lifecycle rule and Azure's one-week expiry drop
/// their uncommitted parts (docs/files.md).
/// </remarks>
public sealed class AbandonedUploadJob(FileStorage storage, TimeProvider time, IOptions<CairnOptions> options, IHostApplicationLifetime lifetime, ILogger<AbandonedUploadJob> logger) : BackgroundService
{
    private readonly TimeSpan _age = TimeSpan.FromSeconds(options.Value.AbandonedUploadAgeSeconds);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(options.Value.AbandonedUploadIntervalSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var removed = storage.RemoveAbandonedUploads(_age);
                if (removed > 0)
                {
                    logger.LogInformation("Removed {Count} abandoned partial uploads", removed);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Could not look for abandoned partial uploads; will retry in {Interval}", _interval);
            }
            await Task.Delay(_interval, time, stoppingToken).ConfigureAwait(false);
        }
    }
}
