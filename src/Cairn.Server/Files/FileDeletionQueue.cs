using System.Threading.Channels;
using Cairn.Core.Storage;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>
/// Queues the deletion of files this server stores and of objects the SDK wrote straight to
/// object storage (<c>s3://</c>, <c>azure://</c>, <c>gs://</c>), so deleting a model (or a task with
/// its output models), or replacing a model's weights, leaves no orphaned weights. The queue
/// lives in the metadata store; <see cref="FileDeletionJob"/> works through it.
/// </summary>
public sealed class FileDeletionQueue(IMetadataStore store, ExternalStorage external, TimeProvider time, IOptions<CairnOptions> options)
{
    // One pending wake-up is enough: the job takes everything due when it wakes.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>
    /// Queues <paramref name="url"/> when it points at this server's files URL
    /// (<see cref="CairnOptions.FilesUrl"/>) or at an object on S3, Azure or GCS (deleted with
    /// <see cref="StorageCredentials"/>; without matching credentials it waits in the queue, with
    /// the reason as its last error). Other URLs (<c>file://</c>, another server, the SDK's
    /// <c>uploading_file</c> placeholder with nothing behind it) are left alone. Returns whether it
    /// was queued. Call it after the model or task is deleted; pass
    /// <see cref="CancellationToken.None"/> once the delete has happened, or the file is orphaned.
    /// </summary>
    public async Task<bool> EnqueueAsync(string? url, CancellationToken cancellationToken = default)
    {
        if (ToPathOrNull(url) is null && !ExternalStorage.IsExternal(url))
        {
            return false;
        }
        await EnqueueCoreAsync(url!, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Queues a model's old weights after its <c>uri</c> changed from <paramref name="oldUrl"/> to
    /// <paramref name="newUrl"/>, unless <see cref="CairnOptions.KeepReplacedWeights"/> is set.
    /// Only files this server holds, or objects in a bucket or container that
    /// <see cref="StorageCredentials"/> can reach, are queued: a replaced URL the server could never
    /// delete is the user's, as in ClearML. The job keeps the file while another model uses it.
    /// </summary>
    public async Task<bool> EnqueueReplacedAsync(string? oldUrl, string? newUrl, CancellationToken cancellationToken = default)
    {
        if (options.Value.KeepReplacedWeights || oldUrl is null || newUrl is null || string.Equals(oldUrl, newUrl, StringComparison.Ordinal))
        {
            return false;
        }
        // The SDK's placeholders for a model whose upload is under way or failed name no file.
        if (oldUrl.EndsWith("/uploading_file", StringComparison.Ordinal) || oldUrl.EndsWith("/failed_uploading", StringComparison.Ordinal))
        {
            return false;
        }
        if (ToPathOrNull(oldUrl) is null && !(ExternalStorage.IsExternal(oldUrl) && external.HasCredentials(oldUrl)))
        {
            return false;
        }
        await EnqueueCoreAsync(oldUrl, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task EnqueueCoreAsync(string url, CancellationToken cancellationToken)
    {
        await store.Files.EnqueueDeletionAsync(url, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// The still percent-encoded path under the storage root that a URL of this server names
    /// (query and fragment dropped); null for URLs of anything else.
    /// </summary>
    public string? ToPathOrNull(string? url)
    {
        var prefix = options.Value.FilesUrl + "/";
        if (url is null || !url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || url.Length == prefix.Length)
        {
            return null;
        }
        var path = url[prefix.Length..];
        var end = path.IndexOfAny(['?', '#']);
        return end < 0 ? path : path[..end];
    }

    /// <summary>
    /// Whether a deletion of the file at <paramref name="path"/> (decoded, under the storage root)
    /// is queued, or was carried out within the grace period (<see cref="FileDeletionJob"/>):
    /// the file server then answers a client's own <c>DELETE</c> of it with 200, as if it had
    /// been first. The queue is read a page at a time: it is usually short, but a deleted project's
    /// models or objects waiting for credentials can make it long, and this runs on a client's request.
    /// </summary>
    public async Task<bool> IsQueuedAsync(string path, CancellationToken cancellationToken = default)
    {
        await foreach (var deletion in ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (ToPathOrNull(deletion.Url) is { } encoded && FilePath.ParseOrNull(Uri.UnescapeDataString(encoded), out _) == path)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Every queued deletion in queue order, read from the store a page at a time.</summary>
    public async IAsyncEnumerable<FileDeletion> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int page = 500;
        for (long after = 0; ;)
        {
            var deletions = await store.Files.ListDeletionsAsync(after, page, cancellationToken).ConfigureAwait(false);
            foreach (var deletion in deletions)
            {
                yield return deletion;
            }
            if (deletions.Count < page)
            {
                yield break;
            }
            after = deletions[^1].Id;
        }
    }

    /// <summary>Waits until something is queued or <paramref name="timeout"/> passes.</summary>
    internal async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _wake.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed: look for retries that became due and other replicas' work.
        }
    }
}
