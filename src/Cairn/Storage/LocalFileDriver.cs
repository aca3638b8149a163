namespace Cairn.Storage;

/// <summary>
/// <c>file://</c> URLs (and plain local paths, which the manager turns into them). Uploads are
/// written to a temporary file beside the target and renamed into place, so a reader never sees
/// half a file.
/// </summary>
public sealed class LocalFileDriver : IStorageDriver
{
    /// <inheritdoc />
    public bool CanHandle(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsFile;
    }

    /// <inheritdoc />
    public async Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(url);
        var copied = await AtomicFile.WriteAsync(url.LocalPath, async temp =>
        {
            await using var output = TransferCopy.CreateNew(temp);
            return await TransferCopy.CopyAsync(content, output, url.AbsoluteUri, length, progress, null, hash: true, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new UploadResult(url.AbsoluteUri, copied.Size, copied.Sha256!);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        cancellationToken.ThrowIfCancellationRequested();
        return File.Exists(url.LocalPath)
            ? Task.FromResult<Stream>(TransferCopy.OpenRead(url.LocalPath))
            : throw new FileNotFoundException($"No file at {url.LocalPath}.", url.LocalPath);
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Task.FromResult(File.Exists(url.LocalPath) || Directory.Exists(url.LocalPath));
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!File.Exists(url.LocalPath))
        {
            return Task.FromResult(false);
        }
        File.Delete(url.LocalPath);
        return Task.FromResult(true);
    }
}
