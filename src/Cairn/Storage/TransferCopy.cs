using System.Buffers;
using System.Security.Cryptography;

namespace Cairn.Storage;

/// <summary>
/// Copies a stream in large chunks while hashing it (SHA-256) and reporting progress, so a
/// transfer reads every byte once and never holds more than one buffer.
/// </summary>
internal static class TransferCopy
{
    /// <summary>1 MiB: large enough that per-call overhead vanishes against disk and socket throughput.</summary>
    public const int BufferSize = 1 << 20;

    /// <summary>Progress is reported at most every this many bytes (and at the end).</summary>
    private const long ProgressStep = 4 << 20;

    /// <remarks>
    /// Two buffers let the three steps overlap: while one chunk is written, the next is read and the
    /// current one hashed, so hashing costs no wall time next to the transfer itself.
    /// </remarks>
    public static async Task<(long Size, string Sha256)> CopyAsync(Stream source, Stream destination, string url, long? total,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize)];
        Task<int>? pendingRead = null;
        try
        {
            long copied = 0;
            long reported = 0;
            progress?.Report(new TransferProgress(url, 0, total));
            var current = 0;
            var read = await source.ReadAsync(buffers[0].AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
            while (read > 0)
            {
                var chunk = buffers[current];
                var write = destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken).AsTask();
                pendingRead = source.ReadAsync(buffers[1 - current].AsMemory(0, BufferSize), cancellationToken).AsTask();
                hash.AppendData(chunk, 0, read);
                await write.ConfigureAwait(false);
                copied += read;
                if (progress is not null && copied - reported >= ProgressStep)
                {
                    reported = copied;
                    progress.Report(new TransferProgress(url, copied, total));
                }
                read = await pendingRead.ConfigureAwait(false);
                pendingRead = null;
                current = 1 - current;
            }
            if (progress is not null && reported != copied)
            {
                progress.Report(new TransferProgress(url, copied, total));
            }
            return (copied, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            if (pendingRead is not null)
            {
                // A read still filling a buffer must finish before the buffer goes back to the pool.
                try
                {
                    await pendingRead.ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException)
                {
                    // The copy already failed for another reason, which is the one reported.
                }
            }
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    /// <summary>A file opened for one sequential pass, unbuffered (the copy's buffer is the only one).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>A new file for one sequential write, unbuffered; fails if it exists.</summary>
    public static FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
