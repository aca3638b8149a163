using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Cairn.Session;

[assembly: Cairn.Storage.StorageDriverFactory("s3", typeof(Cairn.Storage.S3.S3StorageDriverFactory))]

namespace Cairn.Storage.S3;

/// <summary>Makes the <c>s3://</c> driver; found by the SDK through the assembly attribute when it first meets an s3 URL.</summary>
public sealed class S3StorageDriverFactory : IStorageDriverFactory
{
    /// <inheritdoc />
    public void CheckUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        S3Location.Split(url, isHost: netloc => netloc.Contains(':', StringComparison.Ordinal));
    }

    /// <inheritdoc />
    public IStorageDriver Create(ClearMLSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new S3StorageDriver(new S3Settings(session.Settings, Environment.GetEnvironmentVariable), UploadJournal.Folder(session.Settings), session.Time);
    }
}

/// <summary>Where an s3 URL points: the endpoint (null for AWS), bucket and key, split as ClearML does.</summary>
internal readonly record struct S3Location(string? Host, string Bucket, string Key)
{
    /// <summary>
    /// <c>s3://bucket/key</c>, or <c>s3://host:port/bucket/key</c> when the first part is a configured
    /// <c>host</c> or carries a port. The key is the URL's text as written (ClearML does not quote s3 keys).
    /// </summary>
    /// <exception cref="ArgumentException">The URL names no bucket.</exception>
    public static S3Location Split(Uri url, Func<string, bool> isHost)
    {
        var text = url.OriginalString;
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var parts = rest.Split('/', 2);
        string? host = null;
        if (parts[0].Length > 0 && isHost(parts[0]))
        {
            host = parts[0];
            parts = parts.Length > 1 ? parts[1].Split('/', 2) : [""];
        }
        if (parts[0].Length == 0)
        {
            throw new ArgumentException($"{text} names no bucket: write s3://<bucket>/<path> (or s3://<host:port>/<bucket>/<path> for an S3-compatible store set in sdk.aws.s3.credentials).", nameof(url));
        }
        return new S3Location(host, parts[0], parts.Length > 1 ? parts[1] : "");
    }
}

/// <summary>
/// <c>s3://</c> URLs on AWS S3 or an S3-compatible store (MinIO, Ceph, …), configured from
/// <c>sdk.aws.s3</c>. Files below the multipart threshold go up in one PUT; larger ones (and
/// streams of unknown length) in parts sent in parallel, each checked by the store against its
/// Content-MD5. A file's multipart upload is journaled (<see cref="ResumableUpload"/>): killed or cut
/// off, it resumes from the parts stored; refused for good, or abandoned (file changed, journal
/// older than <c>resume_max_age_hours</c>), it is aborted so no parts are left to bill storage.
/// The object appears under its key only when complete. Large objects download in parallel
/// ranges of one ETag.
/// </summary>
internal sealed class S3StorageDriver(S3Settings settings, string journalFolder, TimeProvider time) : IStorageDriver, IRangeReader, IDisposable
{
    private readonly ConcurrentDictionary<(string? Host, string? Key, string? Region, bool Secure), AmazonS3Client> _clients = new();

    public S3Settings Settings { get; } = settings;

    public bool CanHandle(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Scheme.Equals("s3", StringComparison.OrdinalIgnoreCase);
    }

    public void CheckDestination(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        if (!bucket.HasKey && !bucket.UseCredentialsChain && !HasProfileFile())
        {
            var key = bucket.ConfigPath == "sdk.aws.s3" ? "sdk.aws.s3.key and sdk.aws.s3.secret (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or sdk.aws.s3.use_credentials_chain: true)"
                : $"key and secret in {bucket.ConfigPath}";
            throw new ArgumentException($"No credentials for {url.OriginalString} (bucket '{location.Bucket}'{(location.Host is null ? "" : $" on {location.Host}")}): set {key}.", nameof(url));
        }
    }

    public async Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        var text = url.OriginalString;
        var unsigned = IsHttps(location, bucket);
        if (length is { } size && (size < Settings.MultipartThreshold || !bucket.Multipart) && (unsigned || content.CanSeek))
        {
            // Over plain http the payload must be signed, so the client reads a seekable source
            // twice (hash, then send); the SHA-256 is taken on a first pass of our own.
            var start = content.CanSeek ? content.Position : 0;
            string? sha256 = null;
            if (!unsigned)
            {
                sha256 = await TransferCopy.Sha256Async(content, cancellationToken).ConfigureAwait(false);
                content.Position = start;
            }
            using var hashing = new HashingReadStream(content, text, size, progress);
            var put = new PutObjectRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                InputStream = unsigned ? hashing : content,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                DisablePayloadSigning = unsigned,
            };
            put.Headers.ContentLength = size;
            if (!unsigned)
            {
                put.StreamTransferProgress = (_, e) => progress?.Report(new TransferProgress(text, e.TransferredBytes, size));
            }
            await Translate(text, () => client.PutObjectAsync(put, cancellationToken)).ConfigureAwait(false);
            if (unsigned && hashing.BytesRead != size)
            {
                throw new IOException($"Upload to {text}: the source gave {hashing.BytesRead} bytes, not the {size} announced.");
            }
            return new UploadResult(text, size, sha256 ?? hashing.Sha256);
        }
        if (content is FileStream { CanSeek: true, Position: 0 } file && length is { } total && total > 0 && bucket.Multipart)
        {
            await SweepAsync().ConfigureAwait(false);
            var store = new S3PartStore(client, location, unsigned, text);
            return await ResumableUpload.RunAsync(store, file, text, total, new PartUploadSettings(Settings.PartSize, Settings.Concurrency, Settings.ResumeMaxAge),
                journalFolder, time, progress, cancellationToken).ConfigureAwait(false);
        }
        return await UploadPartsAsync(client, location, unsigned, content, text, length, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Aborts the multipart uploads of journals too old to resume, so their parts stop billing storage.</summary>
    private Task SweepAsync() => ResumableUpload.SweepAsync(journalFolder, S3PartStore.KindName, Settings.ResumeMaxAge, time, async journal =>
    {
        try
        {
            var (location, bucket) = Resolve(new Uri(journal.Url));
            await new S3PartStore(Client(location, bucket), location, IsHttps(location, bucket), journal.Url).AbortAsync(journal.UploadId).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // A URL this configuration no longer resolves: nothing to abort with.
        }
    });

    public RangeSettings Ranges => Settings.Ranges;

    public async Task<RemoteObject> StatAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        var head = await Translate(url.OriginalString, () => client.GetObjectMetadataAsync(location.Bucket, location.Key, cancellationToken)).ConfigureAwait(false);
        return new RemoteObject(head.ContentLength, head.ETag ?? "");
    }

    public async Task<Stream> OpenRangeAsync(Uri url, string version, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        var text = url.OriginalString;
        GetObjectResponse response;
        try
        {
            response = await Translate(text, () => client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                ByteRange = new ByteRange(offset, offset + length - 1),
                EtagToMatch = version.Length > 0 ? version : null,
            }, cancellationToken)).ConfigureAwait(false);
        }
        catch (StorageRequestException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new StorageObjectChangedException(text, version, null, e);
        }
        catch (FileNotFoundException e)
        {
            throw new StorageObjectChangedException(text, version, "(deleted)", e);
        }
        // Not every S3-compatible store honours If-Match: the range's own ETag is checked too.
        if (version.Length > 0 && response.ETag is { } etag && etag != version)
        {
            response.Dispose();
            throw new StorageObjectChangedException(text, version, etag);
        }
        return new ObjectReadStream(response.ResponseStream, response.ContentLength, null, response);
    }

    /// <summary>S3's multipart upload as <see cref="ResumableUpload"/> drives it; parts carry Content-MD5.</summary>
    private sealed class S3PartStore(AmazonS3Client client, S3Location location, bool unsigned, string url) : IPartStore
    {
        public const string KindName = "s3";

        public string Kind => KindName;

        public async Task<string> StartAsync(CancellationToken cancellationToken) =>
            (await Translate(url, () => client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = location.Bucket, Key = location.Key }, cancellationToken)).ConfigureAwait(false)).UploadId;

        public async Task<IReadOnlyDictionary<int, long>?> ListPartsAsync(string uploadId, CancellationToken cancellationToken)
        {
            var parts = new Dictionary<int, long>();
            var request = new ListPartsRequest { BucketName = location.Bucket, Key = location.Key, UploadId = uploadId };
            while (true)
            {
                ListPartsResponse page;
                try
                {
                    page = await client.ListPartsAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchUpload" || e.StatusCode == HttpStatusCode.NotFound)
                {
                    throw new FileNotFoundException($"The multipart upload to {url} is gone.", url, e);
                }
                catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented || e.ErrorCode is "NotImplemented" or "MethodNotAllowed")
                {
                    return null; // A store without ListParts (s3rver): the journal is trusted, and the completion checks it.
                }
                foreach (var part in page.Parts ?? [])
                {
                    if (part.PartNumber is { } number)
                    {
                        parts[number] = part.Size ?? 0;
                    }
                }
                if (page.IsTruncated != true)
                {
                    return parts;
                }
                request.PartNumberMarker = page.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        public async Task<string> SendPartAsync(string uploadId, int number, ReadOnlyMemory<byte> data, byte[] md5, CancellationToken cancellationToken)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment))
            {
                segment = data.ToArray();
            }
            using var body = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            var answer = await Translate(url, () => client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = segment.Count,
                UseChunkEncoding = false,
                DisablePayloadSigning = unsigned,
                MD5Digest = Convert.ToBase64String(md5),
            }, cancellationToken)).ConfigureAwait(false);
            return answer.ETag;
        }

        public Task CompleteAsync(string uploadId, IReadOnlyList<JournalPart> parts, CancellationToken cancellationToken) =>
            Translate(url, () => client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                UploadId = uploadId,
                PartETags = [.. parts.Select(p => new PartETag(p.Number, p.Tag))],
            }, cancellationToken));

        public async Task AbortAsync(string uploadId)
        {
            try
            {
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = location.Bucket, Key = location.Key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
            {
                // Best effort: a store without AbortMultipartUpload, or out of reach; a lifecycle rule is the backstop.
            }
        }
    }

    /// <summary>
    /// Bodies are sent unsigned and unchunked: aws-chunked framing is stored verbatim by some
    /// S3-compatible stores, and signing a payload would mean reading it twice. Integrity rests on
    /// TLS, the parts' Content-MD5 and the SHA-256 checked on download.
    /// A multipart upload: parts of <see cref="S3Settings.PartSize"/> read one after another (so memory
    /// stays at concurrency × part size) and sent up to <see cref="S3Settings.Concurrency"/> at once.
    /// </summary>
    private async Task<UploadResult> UploadPartsAsync(AmazonS3Client client, S3Location location, bool unsigned, Stream content, string url, long? length,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var started = await Translate(url, () => client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = location.Bucket, Key = location.Key }, cancellationToken)).ConfigureAwait(false);
        var uploadId = started.UploadId;
        try
        {
            using var hashing = new HashingReadStream(content, url, length, null);
            using var slots = new SemaphoreSlim(Settings.Concurrency);
            var parts = new List<Task<PartETag>>();
            long sent = 0;
            var partSize = (int)Settings.PartSize;
            for (var number = 1; ; number++)
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                var buffer = ArrayPool<byte>.Shared.Rent(partSize);
                var filled = await hashing.ReadAtLeastAsync(buffer.AsMemory(0, partSize), partSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (filled == 0 && number > 1)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    slots.Release();
                    break;
                }
                var partNumber = number;
                parts.Add(Task.Run(async () =>
                {
                    try
                    {
                        using var body = new MemoryStream(buffer, 0, filled, writable: false);
                        var answer = await Translate(url, () => client.UploadPartAsync(new UploadPartRequest
                        {
                            BucketName = location.Bucket,
                            Key = location.Key,
                            UploadId = uploadId,
                            PartNumber = partNumber,
                            InputStream = body,
                            PartSize = filled,
                            UseChunkEncoding = false,
                            DisablePayloadSigning = unsigned,
                            MD5Digest = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, filled))),
                        }, cancellationToken)).ConfigureAwait(false);
                        progress?.Report(new TransferProgress(url, Interlocked.Add(ref sent, filled), length));
                        return new PartETag(partNumber, answer.ETag);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        slots.Release();
                    }
                }, cancellationToken));
                if (filled < partSize)
                {
                    break;
                }
            }
            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            if (length is { } expected && hashing.BytesRead != expected)
            {
                throw new IOException($"Upload to {url}: the source gave {hashing.BytesRead} bytes, not the {expected} announced.");
            }
            await Translate(url, () => client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = location.Bucket,
                Key = location.Key,
                UploadId = uploadId,
                PartETags = [.. etags],
            }, cancellationToken)).ConfigureAwait(false);
            return new UploadResult(url, hashing.BytesRead, hashing.Sha256);
        }
        catch
        {
            // Parts of an abandoned upload are billed until aborted; abort even when the caller cancelled.
            try
            {
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = location.Bucket, Key = location.Key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonServiceException)
            {
            }
            throw;
        }
    }

    public async Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        var response = await Translate(url.OriginalString, () => client.GetObjectAsync(new GetObjectRequest { BucketName = location.Bucket, Key = location.Key }, cancellationToken)).ConfigureAwait(false);
        return new ObjectReadStream(response.ResponseStream, response.ContentLength, null, response);
    }

    public async Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        try
        {
            await Translate(url.OriginalString, () => client.GetObjectMetadataAsync(location.Bucket, location.Key, cancellationToken)).ConfigureAwait(false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public async Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken)
    {
        // S3 answers 204 whether or not the key existed; ask first so the result says which.
        if (!await ExistsAsync(url, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        var (location, bucket) = Resolve(url);
        var client = Client(location, bucket);
        await Translate(url.OriginalString, () => client.DeleteObjectAsync(location.Bucket, location.Key, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    public async IAsyncEnumerable<string> ListAsync(Uri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (location, bucket) = Resolve(prefix);
        var client = Client(location, bucket);
        var folder = location.Key.Length == 0 || location.Key.EndsWith('/') ? location.Key : location.Key + "/";
        var root = prefix.OriginalString[..(prefix.OriginalString.IndexOf("://", StringComparison.Ordinal) + 3)]
            + (location.Host is null ? "" : location.Host + "/") + location.Bucket + "/";
        var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = folder };
        while (true)
        {
            var page = await Translate(prefix.OriginalString, () => client.ListObjectsV2Async(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return root + item.Key;
            }
            if (page.IsTruncated != true)
            {
                yield break;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private (S3Location Location, S3BucketSettings Bucket) Resolve(Uri url)
    {
        var location = S3Location.Split(url, Settings.IsHost);
        return (location, Settings.For(location.Host, location.Bucket));
    }

    private AmazonS3Client Client(S3Location location, S3BucketSettings bucket) =>
        _clients.GetOrAdd((location.Host, bucket.Key, bucket.Region, bucket.Secure), _ =>
        {
            var config = new AmazonS3Config
            {
                // The SDK's own checksums use aws-chunked trailers that S3-compatible stores often reject; parts carry Content-MD5 instead.
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            };
            if (location.Host is not null)
            {
                config.ServiceURL = (bucket.Secure ? "https://" : "http://") + location.Host;
                config.ForcePathStyle = true;
                config.AuthenticationRegion = bucket.Region ?? "us-east-1";
            }
            else
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(bucket.Region ?? "us-east-1");
            }
            if (!bucket.HasKey)
            {
                return new AmazonS3Client(config);
            }
            AWSCredentials credentials = string.IsNullOrEmpty(bucket.Token)
                ? new BasicAWSCredentials(bucket.Key, bucket.Secret)
                : new SessionAWSCredentials(bucket.Key, bucket.Secret, bucket.Token);
            return new AmazonS3Client(credentials, config);
        });

    /// <summary>AWS itself, or an endpoint with <c>secure: true</c>: payloads may go unsigned, as TLS protects them.</summary>
    private static bool IsHttps(S3Location location, S3BucketSettings bucket) => location.Host is null || bucket.Secure;

    private static bool HasProfileFile() =>
        File.Exists(Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials"));

    /// <summary>Turns the store's refusals into <see cref="FileNotFoundException"/> (no such key) or one <see cref="StorageRequestException"/> naming the URL.</summary>
    private static async Task<T> Translate<T>(string url, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" || (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is null or "NotFound"))
        {
            throw new FileNotFoundException($"Nothing is stored at {url}.", url, e);
        }
        catch (AmazonServiceException e)
        {
            var hint = e.ErrorCode switch
            {
                "NoSuchBucket" => "the bucket does not exist; create it or fix the URL",
                "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" => "the credentials were refused; check key and secret in sdk.aws.s3 (or the sdk.aws.s3.credentials item for this bucket)",
                "AccessDenied" => "access denied; the credentials in sdk.aws.s3 lack permission for this bucket",
                "BadDigest" or "InvalidDigest" => "the store received other bytes than were sent (checksum mismatch)",
                _ => e.Message,
            };
            throw new StorageRequestException(url, e.StatusCode, e.ErrorCode, $"S3 request for {url} failed ({(int)e.StatusCode} {e.ErrorCode}): {hint}.", e);
        }
        catch (AmazonClientException e)
        {
            throw new StorageRequestException(url, null, null, $"S3 request for {url} failed: {e.Message}", e);
        }
    }
}
