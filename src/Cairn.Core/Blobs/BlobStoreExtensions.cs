using System.Buffers;
using System.Security.Cryptography;

namespace Cairn.Core.Blobs;

/// <summary>A blob written by <see cref="BlobStoreExtensions.PutAsync"/> and the SHA-256 (lowercase hex) of its bytes.</summary>
public sealed record PutBlobResult(BlobInfo Blob, string Sha256);

public static class BlobStoreExtensions
{
    private const int CopyBuffer = 256 * 1024;

    /// <summary>
    /// Streams <paramref name="content"/> into a blob at <paramref name="key"/>, hashing on the
    /// way, and commits it; on any failure nothing is visible and what was written is removed.
    /// </summary>
    public static async Task<PutBlobResult> PutAsync(this IBlobStore store, string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(content);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
            await using var upload = await store.StartUploadAsync(key, cancellationToken).ConfigureAwait(false);
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await upload.WriteAsync(new ReadOnlySequence<byte>(buffer, 0, read), cancellationToken).ConfigureAwait(false);
            }
            var blob = await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new PutBlobResult(blob, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
