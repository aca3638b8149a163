using Cairn.Core.Blobs;

namespace Cairn.Server.Files;

/// <summary>
/// A blob as a seekable stream of known length that opens the provider's download only on the
/// first read, from the position sought to. This lets ASP.NET Core's file result do ranges, HEAD
/// and conditional requests exactly as for a disk file, with one ranged GET per response.
/// </summary>
internal sealed class BlobDownloadStream(IBlobStore blobs, string key, long length, Func<Exception> missing) : Stream
{
    private Stream? _inner;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        if (target != _position && _inner is not null)
        {
            _inner.Dispose();
            _inner = null;
        }
        _position = target;
        return target;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }
        // Deleted between the look-up and this read: the caller answers 404 if nothing was sent yet.
        _inner ??= await blobs.OpenReadOrNullAsync(key, _position, length - _position, cancellationToken).ConfigureAwait(false) ?? throw missing();
        var read = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _position)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException($"'{key}' became shorter while it was being sent.");
        }
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Only the asynchronous path is used: a synchronous read would block a thread on the network.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner?.Dispose();
            _inner = null;
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_inner is not null)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
            _inner = null;
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
