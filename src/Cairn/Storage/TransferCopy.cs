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

    public static async Task<(long Size, string Sha256)> CopyAsync(Stream source, Stream destination, string url, long? total,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long copied = 0;
            long reported = 0;
            progress?.Report(new TransferProgress(url, 0, total));
            while (true)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                copied += read;
                if (progress is not null && copied - reported >= ProgressStep)
                {
                    reported = copied;
                    progress.Report(new TransferProgress(url, copied, total));
                }
            }
            if (progress is not null && reported != copied)
            {
                progress.Report(new TransferProgress(url, copied, total));
            }
            return (copied, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A file opened for one sequential pass, unbuffered (the copy's buffer is the only one).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>A new file for one sequential write, unbuffered; fails if it exists.</summary>
    public static FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
