using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Models;

/// <summary>
/// The size and SHA-256 the SDK records on a model for each weights file it uploads, as metadata
/// keys <see cref="Sha256Key"/> and <see cref="SizeKey"/> (ClearML's UI and SDK show them like any
/// other metadata), and what the SDK remembers about local copies it has checked.
/// </summary>
/// <remarks>
/// A download is checked while it streams (by the storage layer, against these keys). A cached
/// copy is hashed once and the result remembered (in memory and in
/// <c>&lt;cache root&gt;/storage_manager/cairn-verified</c>), keyed by its path, length and a
/// fingerprint of its first and last 64 KiB (the cache touches write times, so they cannot serve),
/// so a cache hit stays instant, and a stale copy (the model's weights were overwritten with new
/// ones of the same size) is noticed and downloaded again instead of being returned.
/// </remarks>
public static class WeightsIntegrity
{
    /// <summary>Metadata key holding the lowercase hex SHA-256 of the stored weights file (type <c>str</c>).</summary>
    public const string Sha256Key = "cairn.sha256";

    /// <summary>Metadata key holding the stored weights file's size in bytes (type <c>int</c>).</summary>
    public const string SizeKey = "cairn.size";

    private static readonly ConcurrentDictionary<string, (long Length, string Fingerprint, string Sha256)> Verified = new(StringComparer.Ordinal);

    /// <summary>Reads the recorded size and hash from model metadata; nulls when none were recorded.</summary>
    internal static (string? Sha256, long? Size) Recorded(IReadOnlyDictionary<string, ModelMetadataItem> metadata)
    {
        var sha = metadata.TryGetValue(Sha256Key, out var s) && s.Value.Length == 64 ? s.Value.ToLowerInvariant() : null;
        long? size = metadata.TryGetValue(SizeKey, out var z) && long.TryParse(z.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        return (sha, size);
    }

    /// <summary>The SHA-256 of <paramref name="path"/>, from memory or the record folder when the file has not changed since, else computed and remembered.</summary>
    internal static async Task<string> Sha256Async(string path, string recordFolder, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        var full = file.FullName;
        var stamp = (file.Length, await FingerprintAsync(full, cancellationToken).ConfigureAwait(false));
        if (Verified.TryGetValue(full, out var seen) && (seen.Length, seen.Fingerprint) == stamp)
        {
            return seen.Sha256;
        }
        var recordPath = RecordPath(recordFolder, full);
        if (ReadRecord(recordPath) is { } record && (record.Length, record.Fingerprint) == stamp)
        {
            Verified[full] = record;
            return record.Sha256;
        }
        string sha;
        await using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
        Store(full, (stamp.Length, stamp.Item2, sha), recordFolder);
        return sha;
    }

    /// <summary>Notes that <paramref name="path"/> (just downloaded and checked while streaming) has this hash.</summary>
    internal static async Task RememberAsync(string path, string sha256, string recordFolder, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return;
        }
        Store(file.FullName, (file.Length, await FingerprintAsync(file.FullName, cancellationToken).ConfigureAwait(false), sha256), recordFolder);
    }

    private static void Store(string fullPath, (long Length, string Fingerprint, string Sha256) entry, string recordFolder)
    {
        Verified[fullPath] = entry;
        try
        {
            Storage.AtomicFile.WriteAllText(RecordPath(recordFolder, fullPath), string.Create(CultureInfo.InvariantCulture, $"{entry.Length} {entry.Fingerprint} {entry.Sha256}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record only saves hashing again in another process.
        }
    }

    /// <summary>Forgets what was known about <paramref name="path"/>.</summary>
    internal static void Forget(string path, string recordFolder)
    {
        var full = Path.GetFullPath(path);
        Verified.TryRemove(full, out _);
        try
        {
            File.Delete(RecordPath(recordFolder, full));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale record is harmless: its stamp no longer matches the file.
        }
    }

    private static string RecordPath(string recordFolder, string fullPath) =>
        Path.Combine(recordFolder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath)))[..40]);

    // SHA-256 of the first and last 64 KiB: weights trained anew differ there too (a zip's
    // central directory, at its end, holds every entry's CRC).
    private static async Task<string> FingerprintAsync(string fullPath, CancellationToken cancellationToken)
    {
        const int Edge = 64 * 1024;
        await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        var length = stream.Length;
        var head = new byte[(int)Math.Min(Edge, length)];
        await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        var tail = new byte[(int)Math.Min(Edge, Math.Max(0, length - head.Length))];
        stream.Seek(length - tail.Length, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head);
        hash.AppendData(tail);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    private static (long Length, string Fingerprint, string Sha256)? ReadRecord(string recordPath)
    {
        try
        {
            var parts = File.ReadAllText(recordPath).Split(' ');
            return parts.Length == 3
                && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var length)
                && parts[1].Length == 32
                && parts[2].Length == 64
                ? (length, parts[1], parts[2])
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
