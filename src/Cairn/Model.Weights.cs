using Cairn.Models;
using Cairn.Storage;

namespace Cairn;

public partial class Model
{
    /// <summary>
    /// A local copy of the model's weights: for a package (<see cref="IsPackage"/>) the extracted
    /// folder (unless <paramref name="extractArchive"/> is false), otherwise the file. Downloads go
    /// through the local cache; a <c>file://</c> URL is returned as it is. When the model records a
    /// size and SHA-256 (<see cref="WeightsIntegrity"/>), the copy is checked against them, and a
    /// stale cached copy is downloaded again.
    /// </summary>
    /// <param name="extractArchive">Extract a zip; null means "only for packages", as ClearML does.</param>
    /// <param name="forceDownload">Download again even when the cache has a copy.</param>
    /// <param name="progress">Receives download progress.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="InvalidOperationException">The model has no stored weights (no URI, or a placeholder).</exception>
    /// <exception cref="ModelIntegrityException">The weights differ from what was uploaded; no bad copy is left in the cache.</exception>
    /// <exception cref="FileNotFoundException">Nothing is stored at the model's URL.</exception>
    public async Task<string> GetLocalCopyAsync(bool? extractArchive = null, bool forceDownload = false,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return await GetWeightsAsync(forceDownload, extractArchive ?? IsPackage, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The local path of the weights file (or, with <paramref name="extractArchive"/>, of the extracted zip), through the cache and checked.</summary>
    /// <exception cref="InvalidOperationException">The model has no stored weights.</exception>
    /// <exception cref="ModelIntegrityException">The weights differ from what was uploaded; no bad copy is left in the cache.</exception>
    /// <exception cref="FileNotFoundException">Nothing is stored at the model's URL.</exception>
    public async Task<string> GetWeightsAsync(bool forceDownload = false, bool extractArchive = false,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var url = StoredUrl();
        var path = await CheckedCopyAsync(url, forceDownload, progress, cancellationToken).ConfigureAwait(false);
        SdkContext.RememberLocalCopy(path, url);
        if (!extractArchive)
        {
            return path;
        }
        // The zip was checked above; extracting it reuses the cached file.
        var folder = await Storage.GetLocalCopyAsync(url, extractArchive: true, forceDownload: false, progress, cancellationToken).ConfigureAwait(false);
        SdkContext.RememberLocalCopy(folder, url);
        return folder;
    }

    /// <summary>The folder a package model's zip was extracted to (downloaded through the cache and checked first).</summary>
    /// <exception cref="InvalidOperationException">The model is not a package, or has no stored weights.</exception>
    /// <exception cref="ModelIntegrityException">The weights differ from what was uploaded; no bad copy is left in the cache.</exception>
    public async Task<string> GetWeightsPackageAsync(bool forceDownload = false, IProgress<TransferProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        if (!IsPackage)
        {
            throw new InvalidOperationException($"Model {Id} is not a package (it has no 'package' system tag); use GetWeightsAsync.");
        }
        return await GetWeightsAsync(forceDownload, extractArchive: true, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> CheckedCopyAsync(string url, bool forceDownload, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (sha, size) = WeightsIntegrity.Recorded(GetAllMetadata());
        var expected = sha is null && size is null ? null : new FileIntegrity(size, sha);
        var records = Path.Combine(Path.GetDirectoryName(Storage.CacheFolder)!, "cairn-verified");
        var isStoredFile = url.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || !url.Contains("://", StringComparison.Ordinal);
        for (var attempt = 0; ; attempt++)
        {
            var watch = new DownloadWatch(progress);
            string path;
            try
            {
                path = await Storage.GetLocalCopyAsync(url, isStoredFile ? null : expected, extractArchive: false, forceDownload || attempt > 0, watch, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageIntegrityException e)
            {
                throw new ModelIntegrityException(Id, url, e.Url, $"The weights of model {Id} at {url} are not the ones uploaded: {e.Message}", e);
            }
            if (sha is null)
            {
                return path;
            }
            if (watch.Transferred && !isStoredFile)
            {
                await WeightsIntegrity.RememberAsync(path, sha, records, cancellationToken).ConfigureAwait(false); // Checked while it streamed.
                return path;
            }
            var actual = await WeightsIntegrity.Sha256Async(path, records, cancellationToken).ConfigureAwait(false);
            if (actual == sha)
            {
                return path;
            }
            if (isStoredFile || attempt > 0)
            {
                if (!isStoredFile)
                {
                    File.Delete(path);
                }
                WeightsIntegrity.Forget(path, records);
                throw new ModelIntegrityException(Id, url, path,
                    $"The weights of model {Id} at {url} have SHA-256 {actual}, but {sha} was recorded when they were uploaded.");
            }
            // A cached copy of older weights at the same URL: download the current ones.
        }
    }

    private string StoredUrl()
    {
        var url = Url;
        if (string.IsNullOrEmpty(url) || PlaceholderUri.IsPlaceholder(url))
        {
            throw new InvalidOperationException(string.IsNullOrEmpty(url)
                ? $"Model {Id} has no weights URL."
                : $"Model {Id} has no stored weights: its URL is the placeholder {url}.");
        }
        return url;
    }
}
