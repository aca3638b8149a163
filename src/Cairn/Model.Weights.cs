using Cairn.Models;
using Cairn.Storage;

namespace Cairn;

public partial class Model
{
    /// <summary>
    /// A local copy of the model's weights: for a package (<see cref="IsPackage"/>) the extracted
    /// folder (unless <paramref name="extractArchive"/> is false), otherwise the file. Downloads go
    /// through the local cache; a <c>file://</c> URL is returned as it is. When the model records a
    /// size and SHA-256 (<see cref="WeightsIntegrity"/>), a downloaded file is checked against them.
    /// </summary>
    /// <param name="extractArchive">Extract a zip; null means "only for packages", as ClearML does.</param>
    /// <param name="forceDownload">Download again even when the cache has a copy.</param>
    /// <param name="progress">Receives download progress.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="InvalidOperationException">The model has no stored weights (no URI, or a placeholder).</exception>
    /// <exception cref="ModelIntegrityException">The download differs from what was uploaded; the bad copy is deleted.</exception>
    /// <exception cref="FileNotFoundException">Nothing is stored at the model's URL.</exception>
    public async Task<string> GetLocalCopyAsync(bool? extractArchive = null, bool forceDownload = false,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return IsPackage
            ? await GetWeightsAsync(forceDownload, extractArchive ?? true, progress, cancellationToken).ConfigureAwait(false)
            : await GetWeightsAsync(forceDownload, extractArchive ?? false, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The local path of the weights file (or, with <paramref name="extractArchive"/>, of the extracted zip), downloaded through the cache and checked.</summary>
    /// <exception cref="InvalidOperationException">The model has no stored weights.</exception>
    /// <exception cref="ModelIntegrityException">The download differs from what was uploaded; the bad copy is deleted.</exception>
    /// <exception cref="FileNotFoundException">Nothing is stored at the model's URL.</exception>
    public async Task<string> GetWeightsAsync(bool forceDownload = false, bool extractArchive = false,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var url = StoredUrl();
        var path = await Storage.GetLocalCopyAsync(url, extractArchive: false, forceDownload, progress, cancellationToken).ConfigureAwait(false);
        await VerifyAsync(url, path, cancellationToken).ConfigureAwait(false);
        SdkContext.RememberLocalCopy(path, url);
        if (!extractArchive)
        {
            return path;
        }
        var folder = await Storage.GetLocalCopyAsync(url, extractArchive: true, forceDownload: false, progress, cancellationToken).ConfigureAwait(false);
        SdkContext.RememberLocalCopy(folder, url);
        return folder;
    }

    /// <summary>The folder a package model's zip was extracted to (downloaded through the cache and checked first).</summary>
    /// <exception cref="InvalidOperationException">The model is not a package, or has no stored weights.</exception>
    /// <exception cref="ModelIntegrityException">The download differs from what was uploaded; the bad copy is deleted.</exception>
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

    private async Task VerifyAsync(string url, string path, CancellationToken cancellationToken)
    {
        var (sha, size) = WeightsIntegrity.Recorded(GetAllMetadata());
        if (sha is null || !File.Exists(path))
        {
            return;
        }
        try
        {
            await WeightsIntegrity.VerifyAsync(Id, url, path, sha, size, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelIntegrityException)
        {
            // A downloaded copy is ours to delete; a file:// URL is the stored file itself.
            if (!url.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Path.IsPathRooted(url) is false)
            {
                File.Delete(path);
                WeightsIntegrity.Forget(path);
            }
            throw;
        }
    }
}
