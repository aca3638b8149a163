namespace Cairn.Storage;

/// <summary>
/// A download's body, from the file server or a vendor client: reads straight from the response
/// (no buffering of the whole file), knows its length and the server's SHA-256 where the server
/// sends one (Cairn's <c>X-Cairn-Sha256</c>), and disposes the response (its owner) with itself.
/// </summary>
internal sealed class ObjectReadStream(Stream body, long? contentLength, string? serverSha256, IDisposable? owner) : Stream, IRemoteStream
{
    public long? ContentLength { get; } = contentLength;

    public string? ServerSha256 { get; } = serverSha256;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => ContentLength ?? throw new NotSupportedException("The store did not send the length.");

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => body.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => body.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        body.ReadAsync(buffer, offset, count, cancellationToken);

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
            body.Dispose();
            owner?.Dispose();
        }
        base.Dispose(disposing);
    }
}
