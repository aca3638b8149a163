using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Cairn.Core.Blobs;

namespace Cairn.Blobs.S3;

/// <summary>
/// Blobs in an S3 bucket. Small uploads are one PUT at commit; larger ones a multipart upload
/// whose parts go up in parallel (bounded) while the rest streams in, completed only at commit,
/// so nothing is visible under the key before then, and aborted when the upload is discarded.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3BlobStoreOptions _options;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3BlobStore(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _bucket = options.Bucket!;
        _prefix = options.Prefix.Trim('/') is { Length: > 0 } p ? p + "/" : "";
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // S3-compatible servers (s3rver, older MinIO) do not all understand the aws-chunked
            // checksum trailers that SDK v4 sends by default.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        _s3 = string.IsNullOrEmpty(options.AccessKey) ? new AmazonS3Client(config)
            : string.IsNullOrEmpty(options.SessionToken) ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken), config);
        Location = $"s3://{_bucket}/{_prefix}".TrimEnd('/');
    }

    public string Location { get; }

    private string ObjectKey(string key) => _prefix + key;

    public async Task<BlobInfo?> GetInfoOrNullAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(_bucket, ObjectKey(key), cancellationToken).ConfigureAwait(false);
            return new BlobInfo(key, head.ContentLength, LastModified(head.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
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
        var request = new GetObjectRequest { BucketName = _bucket, Key = ObjectKey(key) };
        if (offset > 0 || length is not null)
        {
            request.ByteRange = length is { } count ? new ByteRange(offset, offset + count - 1) : new ByteRange($"bytes={offset}-");
        }
        try
        {
            var response = await _s3.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // An empty object asked from offset 0 with no length never gets here; an offset at the end reads nothing.
            return Stream.Null;
        }
        catch (Exception e) when (Translate(e, key) is { } translated)
        {
            throw translated;
        }
    }

    public Task<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<IBlobUpload>(new S3Upload(this, key));

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // S3's DELETE answers the same whether the object was there: ask first.
        if (await GetInfoOrNullAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }
        try
        {
            await _s3.DeleteObjectAsync(_bucket, ObjectKey(key), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (Translate(e, key) is { } translated)
        {
            throw translated;
        }
    }

    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        var batch = new List<KeyVersion>();
        await foreach (var blob in ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(new KeyVersion { Key = ObjectKey(blob.Key) });
            if (batch.Count == 1000)
            {
                deleted += await DeleteBatchAsync(batch, prefix, cancellationToken).ConfigureAwait(false);
            }
        }
        if (batch.Count > 0)
        {
            deleted += await DeleteBatchAsync(batch, prefix, cancellationToken).ConfigureAwait(false);
        }
        return deleted;
    }

    private async Task<int> DeleteBatchAsync(List<KeyVersion> batch, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = _bucket, Objects = [.. batch], Quiet = false }, cancellationToken).ConfigureAwait(false);
            batch.Clear();
            return response.DeletedObjects?.Count ?? 0;
        }
        catch (Exception e) when (Translate(e, prefix) is { } translated)
        {
            throw translated;
        }
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = ObjectKey(prefix) };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, prefix) is { } translated)
            {
                throw translated;
            }
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new BlobInfo(item.Key[_prefix.Length..], item.Size ?? 0, LastModified(item.LastModified));
            }
            if (page.IsTruncated != true)
            {
                yield break;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public void Dispose() => _s3.Dispose();

    private static DateTimeOffset LastModified(DateTime? value) =>
        value is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    /// <summary>A vendor failure as a <see cref="BlobStoreException"/> naming the object, never the credentials; null for cancellations.</summary>
    private BlobStoreException? Translate(Exception e, string key)
    {
        if (e is OperationCanceledException or BlobStoreException)
        {
            return null;
        }
        var where = $"{Location}/{key}";
        return e switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => new(BlobStoreError.MissingContainer, $"{where}: the bucket '{_bucket}' does not exist.", e),
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" } s3 =>
                new(BlobStoreError.BadCredentials, $"{where}: the credentials were refused ({s3.ErrorCode}).", e),
            AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } s3 => new(BlobStoreError.Denied, $"{where}: access denied ({s3.ErrorCode}).", e),
            AmazonS3Exception { ErrorCode: "BadDigest" or "InvalidDigest" or "XAmzContentSHA256Mismatch" } s3 =>
                new(BlobStoreError.Corrupted, $"{where}: the store refused the bytes ({s3.ErrorCode}).", e),
            AmazonS3Exception s3 => new(BlobStoreError.Unavailable, $"{where}: S3 answered {(int)s3.StatusCode} {s3.ErrorCode}.", e),
            _ => new(BlobStoreError.Unavailable, $"{where}: S3 could not be reached ({e.GetType().Name}).", e),
        };
    }

    private sealed class S3Upload(S3BlobStore store, string key) : IBlobUpload
    {
        private readonly List<Task<PartETag>> _parts = [];
        private readonly SemaphoreSlim _slots = new(store._options.MaxConcurrentParts, store._options.MaxConcurrentParts);
        private byte[]? _buffer;
        private int _filled;
        private string? _uploadId;
        private bool _committed;

        public long Size { get; private set; }

        private int PartSize => store._options.PartSizeBytes;

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
        {
            foreach (var segment in data)
            {
                var rest = segment;
                while (!rest.IsEmpty)
                {
                    _buffer ??= ArrayPool<byte>.Shared.Rent(PartSize);
                    var take = Math.Min(rest.Length, PartSize - _filled);
                    rest[..take].Span.CopyTo(_buffer.AsSpan(_filled));
                    _filled += take;
                    rest = rest[take..];
                    Size += take;
                    if (_filled == PartSize)
                    {
                        await SendPartAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        private async Task SendPartAsync(CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                try
                {
                    var started = await store._s3.InitiateMultipartUploadAsync(store._bucket, store.ObjectKey(key), cancellationToken).ConfigureAwait(false);
                    _uploadId = started.UploadId;
                }
                catch (Exception e) when (store.Translate(e, key) is { } translated)
                {
                    throw translated;
                }
            }
            // Bounded memory: a part waits for a free slot before the next one is read in.
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var (buffer, length, number) = (_buffer!, _filled, _parts.Count + 1);
            _buffer = null;
            _filled = 0;
            _parts.Add(Task.Run(async () =>
            {
                try
                {
                    var response = await store._s3.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = store._bucket,
                        Key = store.ObjectKey(key),
                        UploadId = _uploadId,
                        PartNumber = number,
                        PartSize = length,
                        InputStream = new MemoryStream(buffer, 0, length, writable: false),
                        // A plain signed body: aws-chunked framing is stored verbatim by some
                        // S3-compatible servers (s3rver), corrupting the object.
                        UseChunkEncoding = false,
                    }, cancellationToken).ConfigureAwait(false);
                    return new PartETag(number, response.ETag);
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
            // A failed part fails the upload now, not after the whole body has arrived.
            if (_parts.FirstOrDefault(p => p.IsFaulted) is { } failed)
            {
                await failed.ConfigureAwait(false);
            }
        }

        public async Task<BlobInfo> CommitAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                if (_uploadId is null)
                {
                    await store._s3.PutObjectAsync(new PutObjectRequest
                    {
                        BucketName = store._bucket,
                        Key = store.ObjectKey(key),
                        InputStream = new MemoryStream(_buffer ?? [], 0, _filled, writable: false),
                        UseChunkEncoding = false,
                    }, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (_filled > 0)
                    {
                        await SendPartAsync(cancellationToken).ConfigureAwait(false);
                    }
                    var etags = await Task.WhenAll(_parts).ConfigureAwait(false);
                    await store._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = store._bucket,
                        Key = store.ObjectKey(key),
                        UploadId = _uploadId,
                        PartETags = [.. etags],
                    }, cancellationToken).ConfigureAwait(false);
                }
                _committed = true;
            }
            catch (Exception e) when (store.Translate(e, key) is { } translated)
            {
                throw translated;
            }
            return await store.GetInfoOrNullAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new BlobStoreException(BlobStoreError.Unavailable, $"{store.Location}/{key}: the object was gone right after it was stored.");
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Task.WhenAll(_parts).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BlobStoreException or OperationCanceledException)
            {
                // Already reported to the writer; the abort below cleans up.
            }
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
            if (_uploadId is not null && !_committed)
            {
                try
                {
                    await store._s3.AbortMultipartUploadAsync(store._bucket, store.ObjectKey(key), _uploadId, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
                {
                    // Not every S3-compatible server aborts; a bucket lifecycle rule
                    // (AbortIncompleteMultipartUpload) removes what is left. Nothing is visible either way.
                }
            }
            _slots.Dispose();
        }
    }

    /// <summary>The object's body; disposing it ends the GET.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _body = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
