using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Cairn.Core.Blobs;
using BlobInfo = Cairn.Core.Blobs.BlobInfo;

namespace Cairn.Blobs.Azure;

/// <summary>
/// Blobs in an Azure Blob Storage container. Small uploads are one Put Blob at commit; larger ones
/// are staged as blocks in parallel (bounded) while the rest streams in, each block MD5-checked by
/// the service, and become visible only when the block list is committed at commit. Blocks of an
/// upload that is discarded are never committed: they are invisible and Azure drops them after a
/// week (there is no call that removes staged blocks without writing the blob).
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    // Azure's limit on the blocks of one blob.
    private const int MaxBlocks = 50_000;

    private readonly BlobContainerClient _container;
    private readonly AzureBlobStoreOptions _options;
    private readonly string _prefix;

    /// <exception cref="BlobStoreConfigurationException">An option is missing or wrong; the message names it, never a secret.</exception>
    public AzureBlobStore(AzureBlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new BlobStoreConfigurationException(problem);
        }
        _options = options;
        _prefix = options.Prefix.Trim('/') is { Length: > 0 } p ? p + "/" : "";
        BlobServiceClient service;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                service = new BlobServiceClient(options.ConnectionString);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The SDK's message may quote the connection string, key included: not passed on.
                throw new BlobStoreConfigurationException($"{AzureBlobStoreOptions.Section}:ConnectionString is not a usable storage connection string ({e.GetType().Name}; the value is not shown).");
            }
        }
        else
        {
            var endpoint = options.Endpoint is { } url ? new Uri(url.TrimEnd('/')) : new Uri($"https://{options.AccountName}.blob.core.windows.net");
            service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(options.AccountName, options.AccountKey));
        }
        _container = service.GetBlobContainerClient(options.Container);
        Location = $"azure://{service.AccountName}.blob.core.windows.net/{options.Container}/{_prefix}".TrimEnd('/');
    }

    public string Location { get; }

    private BlockBlobClient Blob(string key) => _container.GetBlockBlobClient(_prefix + key);

    public async Task<BlobInfo?> GetInfoOrNullAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await Blob(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new BlobInfo(key, properties.ContentLength, properties.LastModified);
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e))
        {
            return null;
        }
        catch (Exception e) when (Translate(e, key) is { } translated)
        {
            throw translated;
        }
    }

    public async Task<Stream?> OpenReadOrNullAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        if (length == 0)
        {
            return await GetInfoOrNullAsync(key, cancellationToken).ConfigureAwait(false) is null ? null : Stream.Null;
        }
        var options = new BlobDownloadOptions();
        if (offset > 0 || length is not null)
        {
            options.Range = new HttpRange(offset, length);
        }
        try
        {
            var result = (await Blob(key).DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false)).Value;
            // Disposing the content ends the response.
            return result.Content;
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e))
        {
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            // A range starting at the end: nothing to read.
            return Stream.Null;
        }
        catch (Exception e) when (Translate(e, key) is { } translated)
        {
            throw translated;
        }
    }

    public Task<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<IBlobUpload>(new BlockUpload(this, key));

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            // A blob with snapshots cannot be deleted alone; they go with it.
            return (await Blob(key).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception e) when (Translate(e, key) is { } translated)
        {
            throw translated;
        }
    }

    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        // One delete per blob: batch deletes need a separate package and are not in Azurite.
        var deleted = 0;
        await foreach (var blob in ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (await DeleteAsync(blob.Key, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }
        return deleted;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Committed blobs only: GetBlobs lists uncommitted ones only when asked to (BlobStates.Uncommitted).
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (Translate(e, prefix) is { } translated)
                {
                    throw translated;
                }
                foreach (var item in pages.Current.Values)
                {
                    yield return new BlobInfo(item.Name[_prefix.Length..], item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.UnixEpoch);
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsBlobNotFound(RequestFailedException e) =>
        e.Status == 404 && e.ErrorCode is not "ContainerNotFound";

    // Azure says AuthenticationFailed for a wrong key; Azurite says AuthorizationFailure with
    // "Server failed to authenticate the request", which Azure keeps for a real authentication failure too.
    private static bool IsRefusedSignature(RequestFailedException e) =>
        e.ErrorCode is "AuthenticationFailed" or "InvalidAuthenticationInfo"
        || (e.Status == 403 && e.Message.Contains("failed to authenticate", StringComparison.OrdinalIgnoreCase));

    /// <summary>A vendor failure as a <see cref="BlobStoreException"/> naming the blob, never the credentials; null for cancellations.</summary>
    private BlobStoreException? Translate(Exception e, string key)
    {
        if (e is OperationCanceledException or BlobStoreException)
        {
            return null;
        }
        var where = $"{Location}/{key}";
        return e switch
        {
            RequestFailedException { ErrorCode: "ContainerNotFound" } =>
                new(BlobStoreError.MissingContainer, $"{where}: the container '{_options.Container}' does not exist.", e),
            RequestFailedException az when IsRefusedSignature(az) =>
                new(BlobStoreError.BadCredentials, $"{where}: the credentials were refused ({az.ErrorCode}).", e),
            RequestFailedException { Status: 403 } az => new(BlobStoreError.Denied, $"{where}: access denied ({az.ErrorCode}).", e),
            RequestFailedException { ErrorCode: "Md5Mismatch" or "InvalidMd5" or "Crc64Mismatch" } az =>
                new(BlobStoreError.Corrupted, $"{where}: the store refused the bytes ({az.ErrorCode}).", e),
            RequestFailedException az => new(BlobStoreError.Unavailable, $"{where}: Azure answered {az.Status} {az.ErrorCode}.", e),
            _ => new(BlobStoreError.Unavailable, $"{where}: Azure Blob Storage could not be reached ({e.GetType().Name}).", e),
        };
    }

    private sealed class BlockUpload(AzureBlobStore store, string key) : IBlobUpload
    {
        private readonly List<Task> _blocks = [];
        private readonly List<string> _blockIds = [];
        private readonly SemaphoreSlim _slots = new(store._options.MaxConcurrentBlocks, store._options.MaxConcurrentBlocks);
        // Block ids of one blob must all have the same length; unique to this upload so that two
        // uploads of one key never commit each other's blocks.
        private readonly string _uploadId = Guid.NewGuid().ToString("N");
        private byte[]? _buffer;
        private int _filled;

        public long Size { get; private set; }

        private int BlockSize => store._options.BlockSizeBytes;

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
        {
            foreach (var segment in data)
            {
                var rest = segment;
                while (!rest.IsEmpty)
                {
                    _buffer ??= ArrayPool<byte>.Shared.Rent(BlockSize);
                    var take = Math.Min(rest.Length, BlockSize - _filled);
                    rest[..take].Span.CopyTo(_buffer.AsSpan(_filled));
                    _filled += take;
                    rest = rest[take..];
                    Size += take;
                    if (_filled == BlockSize)
                    {
                        await StageBlockAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        private async Task StageBlockAsync(CancellationToken cancellationToken)
        {
            if (_blockIds.Count == MaxBlocks)
            {
                throw new BlobStoreException(BlobStoreError.Denied,
                    $"{store.Location}/{key}: more than {MaxBlocks} blocks of {BlockSize} bytes; raise {AzureBlobStoreOptions.Section}:BlockSizeBytes.");
            }
            // Bounded memory: a block waits for a free slot before the next one is read in.
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var (buffer, length) = (_buffer!, _filled);
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_uploadId}{_blockIds.Count:D8}"));
            _buffer = null;
            _filled = 0;
            _blockIds.Add(id);
            _blocks.Add(Task.Run(async () =>
            {
                try
                {
                    await store.Blob(key).StageBlockAsync(id, new MemoryStream(buffer, 0, length, writable: false), new BlockBlobStageBlockOptions
                    {
                        TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (store.Translate(e, key) is { } translated)
                {
                    throw translated;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _slots.Release();
                }
            }, cancellationToken));
            // A failed block fails the upload now, not after the whole body has arrived.
            if (_blocks.FirstOrDefault(b => b.IsFaulted) is { } failed)
            {
                await failed.ConfigureAwait(false);
            }
        }

        public async Task<BlobInfo> CommitAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var validation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };
                if (_blockIds.Count == 0)
                {
                    await store.Blob(key).UploadAsync(new MemoryStream(_buffer ?? [], 0, _filled, writable: false),
                        new BlobUploadOptions { TransferValidation = validation }, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (_filled > 0)
                    {
                        await StageBlockAsync(cancellationToken).ConfigureAwait(false);
                    }
                    await Task.WhenAll(_blocks).ConfigureAwait(false);
                    await store.Blob(key).CommitBlockListAsync(_blockIds, new CommitBlockListOptions(), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (store.Translate(e, key) is { } translated)
            {
                throw translated;
            }
            return await store.GetInfoOrNullAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new BlobStoreException(BlobStoreError.Unavailable, $"{store.Location}/{key}: the blob was gone right after it was stored.");
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Task.WhenAll(_blocks).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BlobStoreException or OperationCanceledException)
            {
                // Already reported to the writer; uncommitted blocks are never visible.
            }
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
            _slots.Dispose();
        }
    }
}
