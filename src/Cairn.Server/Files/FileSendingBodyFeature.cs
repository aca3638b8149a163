using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Server.Files;

/// <summary>
/// A response body whose <see cref="SendFileAsync"/> reads the file straight into the response
/// pipe's own memory. Kestrel's socket transport has no <c>sendfile</c>; its fallback reads into a
/// 64 KiB buffer, copies that into the pipe and flushes every 64 KiB. This saves the copy and
/// sends larger batches. Everything else (ranges, HEAD, conditional requests, headers) stays with
/// the file result that calls it.
/// </summary>
internal sealed class FileSendingBodyFeature(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    // Flushed in batches of this size; Kestrel keeps up to MaxResponseBufferSize unsent before a flush waits.
    private const int FlushBytes = 256 * 1024;

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, length);
        var remaining = count ?? length - offset;
        ArgumentOutOfRangeException.ThrowIfNegative(remaining, nameof(count));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(remaining, length - offset, nameof(count));

        await inner.StartAsync(cancellationToken).ConfigureAwait(false);
        var writer = inner.Writer;
        var unflushed = 0;
        while (remaining > 0)
        {
            var memory = writer.GetMemory();
            var wanted = (int)Math.Min(memory.Length, remaining);
            // A synchronous pread: the file is almost always in the page cache, and an async read
            // would cost a thread-pool hop per block for nothing.
            var read = RandomAccess.Read(file, memory.Span[..wanted], offset);
            if (read == 0)
            {
                throw new IOException($"'{path}' became shorter while it was being sent.");
            }
            writer.Advance(read);
            offset += read;
            remaining -= read;
            unflushed += read;
            if (unflushed >= FlushBytes || remaining == 0)
            {
                unflushed = 0;
                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    return; // The client went away.
                }
            }
        }
    }
}
