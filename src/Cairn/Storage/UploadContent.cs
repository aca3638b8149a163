using System.Net;

namespace Cairn.Storage;

/// <summary>
/// A multipart part's body that streams from the source (hashing it when asked), with its length
/// announced up front (so the whole request has a Content-Length, as curl's does).
/// </summary>
internal sealed class UploadContent(Stream source, long? length, string url, IProgress<TransferProgress>? progress, TimeSpan? idleTimeout, bool hash) : HttpContent
{
    /// <summary>The size and (when hashed) SHA-256 of what was sent, once the body is written.</summary>
    public (long Size, string? Sha256)? Sent { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Sent = await TransferCopy.CopyAsync(source, stream, url, length, progress, idleTimeout, hash, cancellationToken).ConfigureAwait(false);

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length ?? -1;
        return length is not null;
    }
}
