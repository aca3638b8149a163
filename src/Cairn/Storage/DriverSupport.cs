using System.Runtime.CompilerServices;
using System.Security.Cryptography;

// The object-store drivers ship with the SDK at the same version and share its streaming helpers.
[assembly: InternalsVisibleTo("Cairn.Storage.S3")]
[assembly: InternalsVisibleTo("Cairn.Storage.Azure")]
[assembly: InternalsVisibleTo("Cairn.Storage.Gcs")]
[assembly: InternalsVisibleTo("Cairn.Storage.Tests")]

namespace Cairn.Storage;

/// <summary>A download body that knows its length and, when the store recorded one, the SHA-256 of the object.</summary>
internal interface IRemoteStream
{
    long? ContentLength { get; }

    string? ServerSha256 { get; }
}

/// <summary>
/// Reads a source through to a driver's client, hashing (SHA-256) and counting the bytes and
/// reporting progress as they pass; not seekable, so a client streams it instead of reading it twice.
/// </summary>
internal sealed class HashingReadStream(Stream source, string url, long? total, IProgress<TransferProgress>? progress) : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private string? _sha256;

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The lowercase hex SHA-256 of all bytes read; call once the source is exhausted.</summary>
    public string Sha256 => _sha256 ??= Convert.ToHexStringLower(_sha.GetHashAndReset());

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => total ?? throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, source.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        _sha.AppendData(read);
        BytesRead += read.Length;
        if (read.Length > 0)
        {
            progress?.Report(new TransferProgress(url, BytesRead, total));
        }
        return read.Length;
    }

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
            _sha.Dispose();
        }
        base.Dispose(disposing);
    }
}
