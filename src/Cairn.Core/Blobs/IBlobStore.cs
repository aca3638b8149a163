using System.Buffers;

namespace Cairn.Core.Blobs;

/// <summary>
/// Where the file server keeps its bytes: local disk, an S3 bucket or an Azure container. Keys
/// are the file server's checked relative paths ('/'-separated, no '..'). Every provider makes an
/// upload visible only when it is committed, so a reader never sees a half-written object, and
/// translates its vendor's failures into <see cref="BlobStoreException"/> at its boundary.
/// </summary>
public interface IBlobStore
{
    /// <summary>Where the blobs are, for logs and messages (<c>s3://bucket/prefix</c>); never carries a secret.</summary>
    string Location { get; }

    /// <summary>The blob's size and modification time; null when there is no blob at <paramref name="key"/>.</summary>
    Task<BlobInfo?> GetInfoOrNullAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the blob for reading from <paramref name="offset"/> (to the end, or
    /// <paramref name="length"/> bytes); null when there is no blob at <paramref name="key"/>.
    /// The stream is not seekable and reads straight from the provider.
    /// </summary>
    Task<Stream?> OpenReadOrNullAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing a blob at <paramref name="key"/>. Nothing is visible under the key until
    /// <see cref="IBlobUpload.CommitAsync"/>; disposing an upload that was not committed removes
    /// what it wrote (a killed process leaves at most a temporary file or an unfinished multipart upload).
    /// </summary>
    Task<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob at <paramref name="key"/>; false when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every blob whose key starts with <paramref name="prefix"/>; returns how many were deleted.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>The blobs whose keys start with <paramref name="prefix"/>, in no promised order (committed blobs only).</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>A blob being written. Writes are sequential; the caller must not write after committing.</summary>
public interface IBlobUpload : IAsyncDisposable
{
    /// <summary>How many bytes were written so far.</summary>
    long Size { get; }

    /// <summary>
    /// Appends <paramref name="data"/>. The memory may be reused by the caller once the returned
    /// task completes, so providers that keep bytes for later (a multipart part) copy them.
    /// </summary>
    ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Makes the blob visible under its key (replacing what was there) and returns what was stored.</summary>
    Task<BlobInfo> CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>A stored blob: its key, size in bytes and last modification time as the provider reports it.</summary>
public sealed record BlobInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>Why a blob-store call failed, in a few words a client can be shown.</summary>
public enum BlobStoreError
{
    /// <summary>The store could not be reached or failed (network cut, 5xx); retrying may help.</summary>
    Unavailable,
    /// <summary>The bucket or container does not exist.</summary>
    MissingContainer,
    /// <summary>The credentials were refused.</summary>
    BadCredentials,
    /// <summary>The credentials are valid but may not do this.</summary>
    Denied,
    /// <summary>The store refused the bytes it received (a checksum did not match).</summary>
    Corrupted,
}

/// <summary>
/// A blob-store call that failed. The message names the location and the key, never a secret,
/// so it can go into a response or a log as it is.
/// </summary>
public sealed class BlobStoreException(BlobStoreError error, string message, Exception? innerException = null)
    : IOException(message, innerException)
{
    public BlobStoreError Error { get; } = error;
}

/// <summary>A blob store's configuration is incomplete or wrong; the message is one line naming the option.</summary>
public sealed class BlobStoreConfigurationException(string message) : Exception(message);
