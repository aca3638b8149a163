namespace Cairn.Storage;

/// <summary>
/// A download's body: reads straight from the response (no buffering of the whole file), knows
/// its length from <c>Content-Length</c> and the server's SHA-256 (Cairn's <c>X-Cairn-Sha256</c>),
/// and disposes the response with itself.
/// </summary>
internal sealed class RemoteFileStream(HttpResponseMessage response, Stream body) : Stream, IRemoteStream
{
    public string? ServerSha256 { get; } =
        response.Headers.TryGetValues(FileServerDriver.Sha256Header, out var values) ? values.FirstOrDefault()?.ToLowerInvariant() : null;

    public long? ContentLength { get; } = response.Content.Headers.ContentLength;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => ContentLength ?? throw new NotSupportedException("The server did not send the length.");

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
            response.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await body.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
