using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage;

/// <summary>What a store says of an object before a ranged download: its size and its version (ETag, generation).</summary>
internal sealed record RemoteObject(long Size, string Version);

/// <summary>When and how a driver downloads in parallel ranges (<c>download_threshold</c>, <c>download_chunksize</c>, <c>download_concurrency</c>).</summary>
internal sealed record RangeSettings(long Threshold, long PartSize, int Concurrency);

/// <summary>A driver whose store serves byte ranges of one version of an object.</summary>
internal interface IRangeReader
{
    RangeSettings Ranges { get; }

    /// <summary>The object's size and version.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored at <paramref name="url"/>.</exception>
    Task<RemoteObject> StatAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>Bytes <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="length"/> − 1 of <paramref name="version"/>.</summary>
    /// <exception cref="StorageObjectChangedException">The object is no longer <paramref name="version"/>.</exception>
    Task<Stream> OpenRangeAsync(Uri url, string version, long offset, long length, CancellationToken cancellationToken);
}

/// <summary>
/// Fills a file from parallel ranges of one object version: each range streams straight into the
/// file at its offset (one positional-write handle, one copy buffer per range, no whole-file
/// buffer), while a single reader hashes the finished ranges in order (SHA-256), so the hash costs
/// no extra pass once the last range lands.
/// </summary>
internal static class RangedDownload
{
    /// <summary>Downloads <paramref name="remote"/> into the new file <paramref name="path"/>; returns its size and SHA-256.</summary>
    public static async Task<(long Size, string Sha256)> FillAsync(IRangeReader reader, Uri url, RemoteObject remote, string path,
        IProgress<TransferProgress>? progress, TimeSpan? idleTimeout, CancellationToken cancellationToken)
    {
        var settings = reader.Ranges;
        var text = url.OriginalString;
        var partSize = Math.Max(settings.PartSize, 1 << 20);
        var count = (int)((remote.Size + partSize - 1) / partSize);
        var finished = new TaskCompletionSource[count];
        for (var i = 0; i < count; i++)
        {
            finished[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous, remote.Size);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var moved = 0L;
        var reportLock = new Lock();
        progress?.Report(new TransferProgress(text, 0, remote.Size));
        var next = -1;
        async Task WorkAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var offset = index * partSize;
                var length = Math.Min(partSize, remote.Size - offset);
                try
                {
                    await using (var source = await reader.OpenRangeAsync(url, remote.Version, offset, length, failed.Token).ConfigureAwait(false))
                    await using (var target = new OffsetFileStream(handle, offset))
                    {
                        var last = 0L;
                        var rangeProgress = progress is null ? null : new InlineProgress(p =>
                        {
                            lock (reportLock)
                            {
                                moved += p.Bytes - last;
                                last = p.Bytes;
                                progress.Report(new TransferProgress(text, moved, remote.Size));
                            }
                        });
                        var (size, _) = await TransferCopy.CopyAsync(source, target, text, length, rangeProgress, idleTimeout, hash: false, failed.Token).ConfigureAwait(false);
                        if (size != length)
                        {
                            throw new StorageIntegrityException(text, null, "(range incomplete)", remote.Size, offset + size);
                        }
                    }
                    finished[index].TrySetResult();
                }
                catch (Exception e)
                {
                    finished[index].TrySetException(e);
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }
        }
        var workers = Enumerable.Range(0, Math.Clamp(settings.Concurrency, 1, Math.Max(count, 1))).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToList();
        var hashing = HashInOrderAsync(handle, finished, partSize, remote.Size, failed.Token);
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
            var sha = await hashing.ConfigureAwait(false);
            return (remote.Size, sha);
        }
        catch (Exception e)
        {
            await Task.WhenAll(workers.Append(hashing).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            // A range a failed sibling cancelled reports only that; the first real failure is the one to raise.
            var real = workers.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(x => x is not OperationCanceledException);
            if (real is null || ReferenceEquals(real, e))
            {
                throw;
            }
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(real);
            throw;
        }
    }

    /// <summary>Hashes the ranges as each one finishes, in file order, reading them back (from the page cache) one buffer at a time.</summary>
    private static async Task<string> HashInOrderAsync(SafeFileHandle handle, TaskCompletionSource[] finished, long partSize, long size, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(TransferCopy.BufferSize);
        try
        {
            for (var i = 0; i < finished.Length; i++)
            {
                await finished[i].Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                var end = Math.Min((i + 1) * partSize, size);
                for (var position = i * partSize; position < end;)
                {
                    var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - position)), position, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException("The downloaded file is shorter than its ranges.");
                    }
                    sha.AppendData(buffer, 0, read);
                    position += read;
                }
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class InlineProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    /// <summary>A write-only stream onto <paramref name="handle"/> from <paramref name="start"/> on (positional writes: many may share the handle).</summary>
    private sealed class OffsetFileStream(SafeFileHandle handle, long start) : Stream
    {
        private readonly long _start = start;

        private long _position = start;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position - _start;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            RandomAccess.Write(handle, buffer.AsSpan(offset, count), _position);
            _position += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await RandomAccess.WriteAsync(handle, buffer, _position, cancellationToken).ConfigureAwait(false);
            _position += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
