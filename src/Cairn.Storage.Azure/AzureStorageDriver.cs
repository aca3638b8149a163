using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Cairn.Configuration;
using Cairn.Session;

[assembly: Cairn.Storage.StorageDriverFactory("azure", typeof(Cairn.Storage.Azure.AzureStorageDriverFactory))]

namespace Cairn.Storage.Azure;

/// <summary>Makes the <c>azure://</c> driver; found by the SDK through the assembly attribute when it first meets an azure URL.</summary>
public sealed class AzureStorageDriverFactory : IStorageDriverFactory
{
    /// <inheritdoc />
    public void CheckUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        AzureLocation.Split(url);
    }

    /// <inheritdoc />
    public IStorageDriver Create(ClearMLSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new AzureStorageDriver(session.Settings, Environment.GetEnvironmentVariable, UploadJournal.Folder(session.Settings), session.Time);
    }
}

/// <summary><c>azure://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;/&lt;path&gt;</c>, split as ClearML does.</summary>
internal readonly record struct AzureLocation(string Account, string Container, string Path)
{
    /// <exception cref="ArgumentException">The URL names no account or container.</exception>
    public static AzureLocation Split(Uri url)
    {
        var text = url.OriginalString;
        var parts = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException($"{text} names no account and container: write azure://<account>.blob.core.windows.net/<container>/<path>.", nameof(url));
        }
        return new AzureLocation(parts[0].Split('.')[0], parts[1], parts.Length > 2 ? parts[2] : "");
    }
}

/// <summary>One item of <c>sdk.azure.storage.containers</c> (or the <c>AZURE_STORAGE_*</c> environment variables).</summary>
internal sealed record AzureContainerSettings(string? Account, string? Key, string? Container, Uri? Endpoint, string ConfigPath);

/// <summary>
/// <c>azure://</c> URLs on Azure Blob Storage, configured from <c>sdk.azure.storage.containers</c>.
/// Uploads go up as blocks (in parallel above the threshold, each block MD5-checked by the service)
/// and the blob appears only when its block list is committed. A file's block upload is journaled
/// (<see cref="ResumableUpload"/>): started again after a kill, it stages only the blocks missing
/// from the blob's uncommitted block list. Large blobs download in parallel ranges of one ETag.
/// </summary>
internal sealed class AzureStorageDriver : IStorageDriver, IRangeReader
{
    private const string Root = "sdk.azure.storage";

    private readonly List<AzureContainerSettings> _containers = [];

    private readonly AzureContainerSettings _environment;

    private readonly ConcurrentDictionary<(string Account, string Container), BlobContainerClient> _clients = new();

    private readonly long _threshold;

    private readonly long _blockSize;

    private readonly int _concurrency;

    private readonly string _journalFolder;

    private readonly TimeProvider _time;

    private readonly TimeSpan _resumeMaxAge;

    public AzureStorageDriver(ClearMLSettings settings, Func<string, string?> environment, string journalFolder, TimeProvider time)
    {
        _journalFolder = journalFolder;
        _time = time;
        var blocks = settings.StorageBlocks;
        string? Get(string path) => blocks.TryGetValue(path, out var value) && value.Length > 0 ? value : null;
        for (var i = 0; blocks.Keys.Any(k => k.StartsWith($"{Root}.containers.{i}.", StringComparison.Ordinal)); i++)
        {
            var p = $"{Root}.containers.{i}";
            _containers.Add(new AzureContainerSettings(Get($"{p}.account_name"), Get($"{p}.account_key"), Get($"{p}.container_name"),
                Get($"{p}.endpoint") is { } endpoint ? new Uri(endpoint) : null, p));
        }
        _environment = new AzureContainerSettings(environment("AZURE_STORAGE_ACCOUNT"), environment("AZURE_STORAGE_KEY"), null, null, $"{Root}.containers");
        long Size(string name, long fallback) =>
            long.TryParse(Get($"{Root}.{name}"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        _threshold = Size("multipart_threshold", 64L << 20);
        _blockSize = Size("multipart_chunksize", 16L << 20);
        _concurrency = (int)Math.Clamp(Size("max_concurrency", 4), 1, 64);
        Ranges = TransferSettings.Ranges(blocks, Root);
        _resumeMaxAge = TransferSettings.ResumeMaxAge(blocks, Root);
    }

    public RangeSettings Ranges { get; }

    public bool CanHandle(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Scheme.Equals("azure", StringComparison.OrdinalIgnoreCase);
    }

    public void CheckDestination(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var location = AzureLocation.Split(url);
        if (Find(location) is not { Key: not null })
        {
            throw new ArgumentException(
                $"No credentials for {url.OriginalString} (account '{location.Account}', container '{location.Container}'): add {{account_name, account_key, container_name}} to {Root}.containers, or set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY.", nameof(url));
        }
    }

    public async Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        if (content is FileStream { CanSeek: true, Position: 0 } file && length is { } total && total >= _threshold)
        {
            // Uncommitted blocks of an abandoned upload need no abort: the next commit to the blob
            // discards them, and the service drops them after a week; old journals just go.
            await ResumableUpload.SweepAsync(_journalFolder, AzurePartStore.KindName, _resumeMaxAge, _time, _ => Task.CompletedTask).ConfigureAwait(false);
            var location = AzureLocation.Split(url);
            var store = new AzurePartStore(Container(location, text).GetBlockBlobClient(location.Path), text);
            return await ResumableUpload.RunAsync(store, file, text, total,
                new PartUploadSettings(_blockSize, _concurrency, _resumeMaxAge), _journalFolder, _time, progress, cancellationToken).ConfigureAwait(false);
        }
        using var hashing = new HashingReadStream(content, text, length, progress);
        var options = new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = _threshold,
                MaximumTransferSize = _blockSize,
                MaximumConcurrency = _concurrency,
            },
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };
        await Translate(text, () => blob.UploadAsync(hashing, options, cancellationToken)).ConfigureAwait(false);
        if (length is { } size && hashing.BytesRead != size)
        {
            throw new IOException($"Upload to {text}: the source gave {hashing.BytesRead} bytes, not the {size} announced.");
        }
        return new UploadResult(text, hashing.BytesRead, hashing.Sha256);
    }

    public async Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        var response = await Translate(text, () => blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        var result = response.Value;
        return new ObjectReadStream(result.Content, result.Details.ContentLength, null, result);
    }

    public async Task<RemoteObject> StatAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        var properties = (await Translate(text, () => blob.GetPropertiesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false)).Value;
        return new RemoteObject(properties.ContentLength, properties.ETag.ToString());
    }

    public async Task<Stream> OpenRangeAsync(Uri url, string version, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        BlobDownloadStreamingResult result;
        try
        {
            result = (await Translate(text, () => blob.DownloadStreamingAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(offset, length),
                Conditions = new BlobRequestConditions { IfMatch = new ETag(version) },
            }, cancellationToken)).ConfigureAwait(false)).Value;
        }
        catch (StorageRequestException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new StorageObjectChangedException(text, version, null, e);
        }
        catch (FileNotFoundException e)
        {
            throw new StorageObjectChangedException(text, version, "(deleted)", e);
        }
        if (result.Details.ETag.ToString() != version)
        {
            result.Dispose();
            throw new StorageObjectChangedException(text, version, result.Details.ETag.ToString());
        }
        return new ObjectReadStream(result.Content, result.Details.ContentLength, null, result);
    }

    /// <summary>
    /// Azure's blocks as <see cref="ResumableUpload"/> drives them: the upload id is a tag every
    /// block id of the upload starts with (ids of one blob must all have one length), each block
    /// carries its MD5, and the blob is the committed list.
    /// </summary>
    private sealed class AzurePartStore(BlockBlobClient blob, string url) : IPartStore
    {
        public const string KindName = "azure";

        public string Kind => KindName;

        public Task<string> StartAsync(CancellationToken cancellationToken) => Task.FromResult(Guid.NewGuid().ToString("N"));

        public async Task<IReadOnlyDictionary<int, long>?> ListPartsAsync(string uploadId, CancellationToken cancellationToken)
        {
            var list = (await Translate(url, () => blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken)).ConfigureAwait(false)).Value;
            var parts = new Dictionary<int, long>();
            foreach (var block in list.UncommittedBlocks ?? [])
            {
                if (Number(uploadId, block.Name) is { } number)
                {
                    parts[number] = block.SizeLong;
                }
            }
            return parts;
        }

        public async Task<string> SendPartAsync(string uploadId, int number, ReadOnlyMemory<byte> data, byte[] md5, CancellationToken cancellationToken)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment))
            {
                segment = data.ToArray();
            }
            using var body = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            var id = BlockId(uploadId, number);
            await Translate(url, () => blob.StageBlockAsync(id, body, new BlockBlobStageBlockOptions
            {
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = md5 },
            }, cancellationToken)).ConfigureAwait(false);
            return id;
        }

        public Task CompleteAsync(string uploadId, IReadOnlyList<JournalPart> parts, CancellationToken cancellationToken) =>
            Translate(url, () => blob.CommitBlockListAsync(parts.Select(p => BlockId(uploadId, p.Number)), cancellationToken: cancellationToken));

        public Task AbortAsync(string uploadId) => Task.CompletedTask;

        private static string BlockId(string uploadId, int number) =>
            Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{uploadId}-{number:D6}")));

        private static int? Number(string uploadId, string blockId)
        {
            try
            {
                var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(blockId));
                return text.Length == uploadId.Length + 7 && text.StartsWith(uploadId + "-", StringComparison.Ordinal)
                    && int.TryParse(text.AsSpan(uploadId.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
            }
            catch (FormatException)
            {
                return null; // Another writer's block id.
            }
        }
    }

    public async Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        return (await Translate(text, () => blob.ExistsAsync(cancellationToken)).ConfigureAwait(false)).Value;
    }

    public async Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (blob, text) = Blob(url);
        return (await Translate(text, () => blob.DeleteIfExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false)).Value;
    }

    public async IAsyncEnumerable<string> ListAsync(Uri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var location = AzureLocation.Split(prefix);
        var container = Container(location, prefix.OriginalString);
        var folder = location.Path.Length == 0 || location.Path.EndsWith('/') ? location.Path : location.Path + "/";
        var text = prefix.OriginalString;
        var root = text[..(text.IndexOf("://", StringComparison.Ordinal) + 3)] + text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/')[0] + "/" + location.Container + "/";
        var pages = container.GetBlobsAsync(new GetBlobsOptions { Prefix = folder }, cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await Translate(text, async () => await pages.MoveNextAsync().ConfigureAwait(false)).ConfigureAwait(false))
            {
                foreach (var item in pages.Current.Values)
                {
                    yield return root + item.Name;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    private AzureContainerSettings? Find(AzureLocation location) =>
        _containers.FirstOrDefault(c => c.Account == location.Account && c.Container == location.Container)
        ?? _containers.FirstOrDefault(c => c.Account == location.Account && c.Container is null)
        ?? (_environment.Account == location.Account ? _environment : null);

    private (BlobClient Blob, string Url) Blob(Uri url)
    {
        var location = AzureLocation.Split(url);
        return (Container(location, url.OriginalString).GetBlobClient(location.Path), url.OriginalString);
    }

    private BlobContainerClient Container(AzureLocation location, string url) =>
        _clients.GetOrAdd((location.Account, location.Container), _ =>
        {
            var settings = Find(location) is { Key: not null } found ? found
                : throw new ArgumentException($"No credentials for {url}: add {{account_name, account_key, container_name}} to {Root}.containers, or set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY.", nameof(url));
            var service = settings.Endpoint ?? new Uri($"https://{location.Account}.blob.core.windows.net");
            return new BlobContainerClient(new Uri(service.AbsoluteUri.TrimEnd('/') + "/" + location.Container), new StorageSharedKeyCredential(location.Account, settings.Key));
        });

    /// <summary>Turns the service's refusals into <see cref="FileNotFoundException"/> (no such blob) or one <see cref="StorageRequestException"/> naming the URL.</summary>
    private static async Task<T> Translate<T>(string url, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode is "BlobNotFound")
        {
            throw new FileNotFoundException($"Nothing is stored at {url}.", url, e);
        }
        catch (RequestFailedException e)
        {
            var hint = e.ErrorCode switch
            {
                "ContainerNotFound" => "the container does not exist; create it or fix the URL",
                "AuthenticationFailed" => $"the credentials were refused; check account_key in {Root}.containers (or AZURE_STORAGE_KEY)",
                "AuthorizationFailure" or "AuthorizationPermissionMismatch" or "InsufficientAccountPermissions" => "access denied; the key lacks permission for this container",
                "Md5Mismatch" or "InvalidMd5" or "Crc64Mismatch" => "the service received other bytes than were sent (checksum mismatch)",
                _ => e.ErrorCode ?? "request failed",
            };
            throw new StorageRequestException(url, (HttpStatusCode)e.Status, e.ErrorCode, $"Azure request for {url} failed ({e.Status} {e.ErrorCode}): {hint}.", e);
        }
    }
}
