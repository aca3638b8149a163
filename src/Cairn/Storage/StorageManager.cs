using System.Collections.Concurrent;
using Cairn.Configuration;
using Cairn.Session;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage;

/// <summary>
/// ClearML's StorageManager: upload, download, cached local copies, exists and delete for any URL
/// a driver serves. Downloads fill the local cache atomically (a temp file renamed into place),
/// are checked against the size and SHA-256 the server reports (and any the caller expects), and
/// the cache is kept under its byte limit by evicting the least recently used entries.
/// Thread-safe; several processes may share one cache folder.
/// </summary>
public sealed partial class StorageManager : IDisposable
{
    private readonly ConcurrentDictionary<string, IStorageDriver> _drivers = new(StringComparer.OrdinalIgnoreCase);

    private readonly LocalCache _cache;

    private readonly ILogger _logger;

    /// <summary>Creates a manager with the file:// and file-server drivers for <paramref name="session"/>.</summary>
    public StorageManager(ClearMLSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
        _logger = session.LoggerFactory.CreateLogger<StorageManager>();
        var settings = session.Settings;
        var root = settings.CacheDirectory ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".clearml", "cache");
        _cache = new LocalCache(root, settings.CacheSizeLimitBytes ?? ClearMLSettings.DefaultCacheSizeLimitBytes, _logger, session.Time);
        var local = new LocalFileDriver();
        var http = new FileServerDriver(session);
        RegisterDriver("file", local);
        RegisterDriver(Uri.UriSchemeHttp, http);
        RegisterDriver(Uri.UriSchemeHttps, http);
    }

    /// <summary>The folder cached downloads are kept in (<c>&lt;cache root&gt;/storage_manager/global</c>).</summary>
    public string CacheFolder => _cache.Folder;

    internal ClearMLSession Session { get; }

    /// <summary>Serves URLs of <paramref name="scheme"/> (e.g. <c>s3</c>) with <paramref name="driver"/>, replacing any earlier one.</summary>
    public void RegisterDriver(string scheme, IStorageDriver driver)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(driver);
        _drivers[scheme] = driver;
    }

    /// <summary>The driver for <paramref name="url"/>.</summary>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    public IStorageDriver GetDriver(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (_drivers.TryGetValue(url.Scheme, out var driver) && driver.CanHandle(url))
        {
            return driver;
        }
        if (StorageDriverCatalog.Packages.ContainsKey(url.Scheme))
        {
            var factory = StorageDriverCatalog.Require(url);
            return _drivers.GetOrAdd(url.Scheme, _ => factory.Create(Session));
        }
        throw new ArgumentException(
            $"No storage driver serves the '{url.Scheme}' scheme of {url} (registered: {string.Join(", ", _drivers.Keys.Order(StringComparer.Ordinal))}).", nameof(url));
    }

    /// <summary>
    /// Uploads a local file to <paramref name="remoteUrl"/> (the full target, file name included),
    /// streaming it and retrying connection errors and 429/502/503/504 until the session's retry deadline.
    /// </summary>
    /// <returns>The stored URL (path-quoted for http(s)), the size and the SHA-256 of the bytes sent.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="localPath"/> does not exist.</exception>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    /// <exception cref="StorageRequestException">The server refused the upload, or could not be reached within the retry deadline (<see cref="ClearMLException.IsTransient"/> says which).</exception>
    /// <exception cref="StorageIntegrityException">The server stored other bytes than were sent.</exception>
    public async Task<UploadResult> UploadFileAsync(string localPath, string remoteUrl, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        if (!File.Exists(localPath))
        {
            throw new FileNotFoundException($"Cannot upload '{localPath}': no such file.", localPath);
        }
        var url = StorageUrl.ToUri(remoteUrl);
        var driver = GetDriver(url);
        return await WithRetriesAsync("Upload to", url, async () =>
        {
            await using var file = TransferCopy.OpenRead(localPath);
            var result = await driver.UploadAsync(file, url, file.Length, progress, cancellationToken).ConfigureAwait(false);
            Uploaded(_logger, result.Url, result.Size);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one transfer, retrying connection errors and 429/502/503/504 with the session's backoff
    /// policy until its retry deadline. Transfers are safe to repeat: an upload writes the same path
    /// again, a download fills a fresh temporary file.
    /// </summary>
    private async Task<T> WithRetriesAsync<T>(string what, Uri url, Func<Task<T>> transfer, CancellationToken cancellationToken)
    {
        var backoff = new RetryBackoff(Session.Settings.RetryDeadline, Session.Time);
        while (true)
        {
            try
            {
                return await transfer().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested && backoff.NextDelay(null) is { } delay)
            {
                TransferRetry(_logger, what, url.AbsoluteUri, backoff.FailedAttempts, e.Message);
                await Task.Delay(delay, Session.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw Translate(e, url);
            }
        }
    }

    /// <summary>Runs a one-shot store call, turning a transport error into <see cref="StorageRequestException"/>.</summary>
    private static async Task<T> TranslatedAsync<T>(Uri url, Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Translate(e, url);
        }
    }

    /// <summary>The SDK's storage error for a transport failure or an HTTP refusal (no raw <see cref="HttpRequestException"/> leaves the SDK).</summary>
    private static StorageRequestException Translate(HttpRequestException e, Uri url) =>
        new(url.AbsoluteUri, e.StatusCode, e.HttpRequestError == HttpRequestError.Unknown ? null : e.HttpRequestError.ToString(), e.Message, e);

    /// <summary>A lost connection, a 429/502/503/504, or a stalled transfer: worth another try.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        TransferStalledException => true,
        HttpRequestException h => h.StatusCode is not { } status || RetryBackoff.IsTransient(status),
        _ => false,
    };

    /// <summary>Uploads <paramref name="content"/> (read to its end, not disposed) to <paramref name="remoteUrl"/>; not retried, as a stream cannot be replayed.</summary>
    /// <param name="content">The bytes to store.</param>
    /// <param name="remoteUrl">The full target URL.</param>
    /// <param name="length">The number of bytes, when known (sent as the length; otherwise the body is chunked).</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    /// <exception cref="StorageRequestException">The server refused the upload, or could not be reached within the retry deadline (<see cref="ClearMLException.IsTransient"/> says which).</exception>
    public async Task<UploadResult> UploadAsync(Stream content, string remoteUrl, long? length = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var url = StorageUrl.ToUri(remoteUrl);
        length ??= content.CanSeek ? content.Length - content.Position : null;
        var result = await TranslatedAsync(url, GetDriver(url).UploadAsync(content, url, length, progress, cancellationToken)).ConfigureAwait(false);
        Uploaded(_logger, result.Url, result.Size);
        return result;
    }

    /// <summary>Downloads <paramref name="remoteUrl"/> to <paramref name="localPath"/> (not through the cache); returns the path.
    /// An existing file is kept (and returned) unless <paramref name="overwrite"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at the URL.</exception>
    /// <exception cref="StorageIntegrityException">The bytes received differ from what the server reported; no file is left behind.</exception>
    public Task<string> DownloadFileAsync(string remoteUrl, string localPath, bool overwrite = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadFileAsync(remoteUrl, localPath, null, overwrite, progress, cancellationToken);

    /// <summary>As <see cref="DownloadFileAsync(string, string, bool, IProgress{TransferProgress}?, CancellationToken)"/>, also checking the file against <paramref name="expected"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at the URL.</exception>
    /// <exception cref="StorageIntegrityException">The bytes received differ from <paramref name="expected"/> or the server's report; no file is left behind.</exception>
    public async Task<string> DownloadFileAsync(string remoteUrl, string localPath, FileIntegrity? expected, bool overwrite = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var url = StorageUrl.ToUri(remoteUrl);
        var target = Path.GetFullPath(localPath);
        if (!overwrite && File.Exists(target) && Matches(target, expected, expected?.Sha256 is null ? null : await FileSha256Async(target, cancellationToken).ConfigureAwait(false)))
        {
            return target;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await WithRetriesAsync("Download of", url, () => FillAsync(url, target, expected, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <summary>
    /// A local copy of <paramref name="remoteUrl"/> from the cache, downloading it on a miss
    /// (or always with <paramref name="forceDownload"/>); with <paramref name="extractArchive"/>,
    /// a zip is extracted and the folder returned. A <c>file://</c> URL or local path is returned as is.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at the URL (or the local file does not exist).</exception>
    /// <exception cref="StorageIntegrityException">The bytes received differ from what the server reported; nothing is cached.</exception>
    public Task<string> GetLocalCopyAsync(string remoteUrl, bool extractArchive = false, bool forceDownload = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        GetLocalCopyAsync(remoteUrl, null, extractArchive, forceDownload, progress, cancellationToken);

    /// <summary>
    /// As <see cref="GetLocalCopyAsync(string, bool, bool, IProgress{TransferProgress}?, CancellationToken)"/>, checking a
    /// download against <paramref name="expected"/> (size and SHA-256). A cache hit is checked against the SHA-256 recorded
    /// when the entry was filled (a sidecar file), so it stays instant and an entry with other bytes is downloaded again.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at the URL.</exception>
    /// <exception cref="StorageIntegrityException">The bytes received differ from <paramref name="expected"/> or the server's report; nothing is cached.</exception>
    public Task<string> GetLocalCopyAsync(string remoteUrl, FileIntegrity? expected, bool extractArchive = false, bool forceDownload = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        GetLocalCopyAsync(remoteUrl, expected, extractArchive ? "None" : null, forceDownload, progress, cancellationToken);

    /// <summary>The cached copy; <paramref name="archiveName"/> (null: do not extract) names the extraction folder as ClearML does (<c>None</c> for models, the artifact's name for artifacts).</summary>
    internal async Task<string> GetLocalCopyAsync(string remoteUrl, FileIntegrity? expected, string? archiveName, bool forceDownload, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var url = StorageUrl.ToUri(remoteUrl);
        var fileName = StorageUrl.FileName(url);
        var extract = archiveName is not null && ArchiveExtractor.ArchiveSuffix(fileName) is not null;
        if (url.IsFile && !File.Exists(url.LocalPath))
        {
            throw new FileNotFoundException($"No file at {url.LocalPath}.", url.LocalPath);
        }
        if (url.IsFile && !extract)
        {
            return url.LocalPath;
        }
        var quoted = url.IsFile ? url.AbsoluteUri : StorageUrl.Quote(StorageUrl.Unquote(url.AbsoluteUri));
        var key = LocalCache.Key(quoted);
        using var held = await _cache.LockAsync(key, cancellationToken).ConfigureAwait(false);
        var source = url.LocalPath;
        if (!url.IsFile)
        {
            // ClearML names cache files by the URL-quoted file name.
            source = _cache.EntryPath(key, quoted.TrimEnd('/').Split('/')[^1].Split('?')[0]);
            var hit = !forceDownload && File.Exists(source) && Matches(source, expected, _cache.RecordedSha256(source));
            if (hit)
            {
                _cache.Touch(source);
                CacheHit(_logger, url.AbsoluteUri, source);
            }
            else
            {
                var filledSha = await WithRetriesAsync("Download of", url, () => FillAsync(url, source, expected, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
                _cache.RecordSha256(source, filledSha);
                _cache.Touch(source);
                _cache.Evict(new FileInfo(source).Length, source);
            }
        }
        if (!extract)
        {
            return source;
        }
        var folder = _cache.ExtractedPath(key, fileName, archiveName);
        if (forceDownload && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        if (Directory.Exists(folder))
        {
            _cache.Touch(folder);
        }
        else
        {
            await ArchiveExtractor.ExtractAsync(source, folder, cancellationToken).ConfigureAwait(false);
            var extractedBytes = _cache.RecordFolderSize(folder);
            _cache.Touch(folder);
            _cache.Evict(extractedBytes, source, folder);
        }
        return folder;
    }

    /// <summary>Disposes the registered drivers that are disposable (the file-server driver's HTTP client).</summary>
    public void Dispose()
    {
        foreach (var driver in _drivers.Values.Distinct())
        {
            (driver as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Checks, without network, that <paramref name="remoteUrl"/> can be uploaded to: a driver serves
    /// its scheme, it names a bucket, and credentials are configured for it.
    /// </summary>
    /// <exception cref="ArgumentException">It cannot; the message names the URL and the configuration key to set.</exception>
    public void CheckDestination(string remoteUrl)
    {
        var url = StorageUrl.ToUri(remoteUrl);
        GetDriver(url).CheckDestination(url);
    }

    /// <summary>The URLs of the objects stored under the folder <paramref name="remoteUrl"/>.</summary>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    /// <exception cref="NotSupportedException">The driver cannot list (the file server).</exception>
    public IAsyncEnumerable<string> ListAsync(string remoteUrl, CancellationToken cancellationToken = default)
    {
        var url = StorageUrl.ToUri(remoteUrl);
        return GetDriver(url).ListAsync(url, cancellationToken);
    }

    /// <summary>Whether something is stored at <paramref name="remoteUrl"/>.</summary>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    public Task<bool> ExistsAsync(string remoteUrl, CancellationToken cancellationToken = default)
    {
        var url = StorageUrl.ToUri(remoteUrl);
        return TranslatedAsync(url, GetDriver(url).ExistsAsync(url, cancellationToken));
    }

    /// <summary>Deletes <paramref name="remoteUrl"/>; false when nothing was there.</summary>
    /// <exception cref="ArgumentException">No driver serves the URL's scheme.</exception>
    public Task<bool> DeleteAsync(string remoteUrl, CancellationToken cancellationToken = default)
    {
        var url = StorageUrl.ToUri(remoteUrl);
        return TranslatedAsync(url, GetDriver(url).DeleteAsync(url, cancellationToken));
    }

    /// <summary>
    /// Whether the local file at <paramref name="path"/> is what <paramref name="expected"/> asks for:
    /// its size, and its SHA-256 (<paramref name="sha256"/>: the one recorded when the file was filled,
    /// or hashed now) when one is expected. Same-size new bytes at an old URL are thus never served stale.
    /// </summary>
    private static bool Matches(string path, FileIntegrity? expected, string? sha256) =>
        (expected?.Size is not { } size || new FileInfo(path).Length == size)
        && (expected?.Sha256 is not { } wanted || string.Equals(wanted, sha256, StringComparison.OrdinalIgnoreCase));

    private static async Task<string> FileSha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = TransferCopy.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Downloads into a temporary sibling of <paramref name="target"/>, checks it, and renames it into place; returns the SHA-256 of the bytes.</summary>
    private async Task<string> FillAsync(Uri url, string target, FileIntegrity? expected, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var driver = GetDriver(url);
        var sha256 = await AtomicFile.WriteAsync(target, async temp =>
        {
            (long Size, string? Sha256) received;
            string? serverSha = null;
            long? announced;
            if (driver is IRangeReader ranged && ranged.Ranges.Threshold > 0
                && await ranged.StatAsync(url, cancellationToken).ConfigureAwait(false) is { } whole && whole.Size >= ranged.Ranges.Threshold)
            {
                // A large object comes in parallel ranges of one version, each straight into the file at its offset.
                received = await RangedDownload.FillAsync(ranged, url, whole, temp, progress, Session.Settings.TransferIdleTimeout, cancellationToken).ConfigureAwait(false);
                announced = whole.Size;
            }
            else
            {
                await using var source = await driver.OpenReadAsync(url, cancellationToken).ConfigureAwait(false);
                var remote = source as IRemoteStream;
                serverSha = remote?.ServerSha256;
                announced = remote is not null ? remote.ContentLength : source.CanSeek ? source.Length : null;
                await using var output = TransferCopy.CreateNew(temp);
                received = await TransferCopy.CopyAsync(source, output, url.AbsoluteUri, announced, progress, Session.Settings.TransferIdleTimeout, hash: true, cancellationToken).ConfigureAwait(false);
            }
            var wantedSha = expected?.Sha256?.ToLowerInvariant() ?? serverSha;
            var wantedSize = expected?.Size ?? announced;
            if ((wantedSha is not null && wantedSha != received.Sha256)
                || (serverSha is not null && serverSha != received.Sha256)
                || (wantedSize is not null && wantedSize != received.Size))
            {
                throw new StorageIntegrityException(url.AbsoluteUri, wantedSha, received.Sha256!, wantedSize, received.Size);
            }
            Downloaded(_logger, url.AbsoluteUri, received.Size, target);
            return received.Sha256!;
        }).ConfigureAwait(false);
        return sha256;
    }

    [LoggerMessage(LogLevel.Information, "Uploaded {Url} ({Bytes} bytes)")]
    private static partial void Uploaded(ILogger logger, string url, long bytes);

    [LoggerMessage(LogLevel.Warning, "{What} {Url} failed (attempt {Attempt}): {Reason}; retrying")]
    private static partial void TransferRetry(ILogger logger, string what, string url, int attempt, string reason);

    [LoggerMessage(LogLevel.Information, "Downloaded {Url} ({Bytes} bytes) to {Path}")]
    private static partial void Downloaded(ILogger logger, string url, long bytes, string path);

    [LoggerMessage(LogLevel.Debug, "Cache hit for {Url}: {Path}")]
    private static partial void CacheHit(ILogger logger, string url, string path);
}
