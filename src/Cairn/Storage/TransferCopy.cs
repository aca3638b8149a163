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

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>; the SHA-256 is null when <paramref name="hash"/> is false.</summary>
    /// <param name="source">Read to its end.</param>
    /// <param name="destination">Written.</param>
    /// <param name="url">The remote URL, for progress and errors.</param>
    /// <param name="total">The length, when known (for progress).</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="idleTimeout">How long one chunk (its write and the next read) may take; null for no limit.</param>
    /// <param name="hash">Hash the bytes (SHA-256) as they pass.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <exception cref="TransferStalledException">A chunk took longer than <paramref name="idleTimeout"/>.</exception>
    /// <remarks>
    /// Two buffers let the three steps overlap: while one chunk is written, the next is read and the
    /// current one hashed, so hashing costs no wall time next to the transfer itself.
    /// </remarks>
    public static async Task<(long Size, string? Sha256)> CopyAsync(Stream source, Stream destination, string url, long? total,
        IProgress<TransferProgress>? progress, TimeSpan? idleTimeout, bool hash, CancellationToken cancellationToken)
    {
        using var sha = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        using var idle = idleTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = idle?.Token ?? cancellationToken;
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize)];
        Task<int>? pendingRead = null;
        long copied = 0;
        try
        {
            long reported = 0;
            progress?.Report(new TransferProgress(url, 0, total));
            var current = 0;
            idle?.CancelAfter(idleTimeout!.Value);
            var read = await source.ReadAsync(buffers[0].AsMemory(0, BufferSize), token).ConfigureAwait(false);
            while (read > 0)
            {
                // Each chunk gets the whole idle allowance: a slow but moving transfer is never cut.
                idle?.CancelAfter(idleTimeout!.Value);
                var chunk = buffers[current];
                var write = destination.WriteAsync(chunk.AsMemory(0, read), token).AsTask();
                pendingRead = source.ReadAsync(buffers[1 - current].AsMemory(0, BufferSize), token).AsTask();
                sha?.AppendData(chunk, 0, read);
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
            return (copied, sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        catch (OperationCanceledException e) when (idle is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new TransferStalledException(url, idleTimeout!.Value, copied, e);
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

    /// <summary>The SHA-256 of <paramref name="stream"/> from its current position to its end, read in large chunks.</summary>
    public static async Task<string> Sha256Async(Stream stream, CancellationToken cancellationToken) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));

    /// <summary>A file opened for one sequential pass, unbuffered (the copy's buffer is the only one).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>A new file for one sequential write, unbuffered; fails if it exists.</summary>
    public static FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
}

/// <summary>
/// A transfer moved no byte for longer than the idle timeout
/// (<see cref="Configuration.ClearMLSettings.TransferIdleTimeout"/>); the storage layer retries it
/// like a lost connection, within the retry deadline.
/// </summary>
public sealed class TransferStalledException : TimeoutException
{
    /// <summary>Creates the exception for <paramref name="url"/>.</summary>
    public TransferStalledException(string url, TimeSpan idleTimeout, long bytesMoved, Exception? inner = null)
        : base($"The transfer of {url} stalled: no byte moved for {idleTimeout.TotalSeconds:0.###} s (after {bytesMoved} bytes).", inner)
    {
        Url = url;
        IdleTimeout = idleTimeout;
        BytesMoved = bytesMoved;
    }

    /// <summary>The URL being transferred.</summary>
    public string Url { get; }

    /// <summary>The idle allowance that passed.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>How many bytes had moved before the stall.</summary>
    public long BytesMoved { get; }
}
