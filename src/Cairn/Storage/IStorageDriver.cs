namespace Cairn.Storage;

/// <summary>Progress of one transfer: bytes moved so far and the total when known.</summary>
/// <param name="Url">The remote URL being transferred.</param>
/// <param name="Bytes">Bytes moved so far.</param>
/// <param name="TotalBytes">The whole size, when known.</param>
public readonly record struct TransferProgress(string Url, long Bytes, long? TotalBytes);

/// <summary>What an upload stored: the URL and the size and SHA-256 of the bytes sent.</summary>
/// <param name="Url">Where the file now is.</param>
/// <param name="Size">Bytes stored.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the bytes stored.</param>
public sealed record UploadResult(string Url, long Size, string Sha256);

/// <summary>
/// One storage back end (file://, the http(s) file server; S3, Azure and GCS from their driver packages), addressed by
/// URL. Drivers stream: none reads a whole file into memory.
/// </summary>
public interface IStorageDriver
{
    /// <summary>True when this driver serves <paramref name="url"/>'s scheme (and host, for http).</summary>
    bool CanHandle(Uri url);

    /// <summary>Stores <paramref name="content"/> at <paramref name="url"/>, replacing what was there.</summary>
    Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Opens <paramref name="url"/> for reading; the stream's length is known when the back end says it.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at <paramref name="url"/>.</exception>
    Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>Whether something is stored at <paramref name="url"/>.</summary>
    Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="url"/>; false when nothing was there.</summary>
    Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>
    /// Checks, without network, that uploads to <paramref name="url"/> can be attempted: it names a
    /// bucket and credentials are configured for it. Called when a destination is set, so a bad one
    /// fails there and not later in a background upload.
    /// </summary>
    /// <exception cref="ArgumentException">The URL cannot be stored to; the message names it and the configuration key to set.</exception>
    void CheckDestination(Uri url)
    {
    }

    /// <summary>The URLs of the objects stored under <paramref name="prefix"/> (a folder URL), in the back end's order.</summary>
    /// <exception cref="NotSupportedException">The driver cannot list.</exception>
    IAsyncEnumerable<string> ListAsync(Uri prefix, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Listing {prefix} is not supported by {GetType().Name}.");
}
