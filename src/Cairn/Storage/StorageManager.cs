using Cairn.Session;

namespace Cairn.Storage;

/// <summary>
/// ClearML's StorageManager: upload, download, cached local copies, exists and delete for any URL
/// a driver serves. Downloads fill the local cache atomically (a temp file renamed into place).
/// </summary>
public sealed class StorageManager
{
    /// <summary>Creates a manager with the file:// and file-server drivers for <paramref name="session"/>.</summary>
    public StorageManager(ClearMLSession session) =>
        throw new NotImplementedException("Filled in by the SDK core work.");

    /// <summary>Uploads a local file to <paramref name="remoteUrl"/>.</summary>
    public Task<UploadResult> UploadFileAsync(string localPath, string remoteUrl, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Downloads <paramref name="remoteUrl"/> to <paramref name="localPath"/> (not through the cache); returns the path.</summary>
    public Task<string> DownloadFileAsync(string remoteUrl, string localPath, bool overwrite = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// A local copy of <paramref name="remoteUrl"/> from the cache, downloading it on a miss
    /// (or always with <paramref name="forceDownload"/>); with <paramref name="extractArchive"/>,
    /// a zip is extracted and the folder returned. A <c>file://</c> URL or local path is returned as is.
    /// </summary>
    public Task<string> GetLocalCopyAsync(string remoteUrl, bool extractArchive = false, bool forceDownload = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Whether something is stored at <paramref name="remoteUrl"/>.</summary>
    public Task<bool> ExistsAsync(string remoteUrl, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Deletes <paramref name="remoteUrl"/>; false when nothing was there.</summary>
    public Task<bool> DeleteAsync(string remoteUrl, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
