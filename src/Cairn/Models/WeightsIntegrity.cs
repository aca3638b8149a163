using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Cairn.Models;

/// <summary>
/// The size and SHA-256 the SDK records on a model for each weights file it uploads, as metadata
/// keys <see cref="Sha256Key"/> and <see cref="SizeKey"/> (ClearML's UI and SDK show them like any
/// other metadata), and their check after a download.
/// </summary>
public static class WeightsIntegrity
{
    /// <summary>Metadata key holding the lowercase hex SHA-256 of the stored weights file (type <c>str</c>).</summary>
    public const string Sha256Key = "cairn.sha256";

    /// <summary>Metadata key holding the stored weights file's size in bytes (type <c>int</c>).</summary>
    public const string SizeKey = "cairn.size";

    // Files already checked in this process, so a cache hit does not hash a large file again;
    // any change of length or write time makes the file be checked anew.
    private static readonly ConcurrentDictionary<string, (long Length, DateTime WriteTime, string Sha256)> Verified = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks that <paramref name="path"/> has <paramref name="expectedSize"/> bytes and the SHA-256
    /// <paramref name="expectedSha256"/>.
    /// </summary>
    /// <exception cref="ModelIntegrityException">The file differs.</exception>
    internal static async Task VerifyAsync(string modelId, string url, string path, string expectedSha256, long? expectedSize, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (expectedSize is { } size && file.Length != size)
        {
            throw new ModelIntegrityException(modelId, url, path,
                $"the weights of model {modelId} downloaded from {url} have {file.Length} bytes, but {size} were uploaded");
        }
        var key = file.FullName;
        if (Verified.TryGetValue(key, out var seen) && seen.Length == file.Length && seen.WriteTime == file.LastWriteTimeUtc
            && string.Equals(seen.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var actual = await Sha256Async(path, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelIntegrityException(modelId, url, path,
                $"the weights of model {modelId} downloaded from {url} have SHA-256 {actual}, but {expectedSha256} was uploaded");
        }
        Verified[key] = (file.Length, file.LastWriteTimeUtc, actual);
    }

    /// <summary>Reads the recorded size and hash from model metadata; null hash when none was recorded.</summary>
    internal static (string? Sha256, long? Size) Recorded(IReadOnlyDictionary<string, ModelMetadataItem> metadata)
    {
        var sha = metadata.TryGetValue(Sha256Key, out var s) && s.Value.Length == 64 ? s.Value : null;
        long? size = metadata.TryGetValue(SizeKey, out var z) && long.TryParse(z.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        return (sha, size);
    }

    /// <summary>Notes that <paramref name="path"/> (just uploaded) has this hash, so reading it back does not hash it again.</summary>
    internal static void Remember(string path, string sha256)
    {
        var file = new FileInfo(path);
        if (file.Exists)
        {
            Verified[file.FullName] = (file.Length, file.LastWriteTimeUtc, sha256);
        }
    }

    internal static void Forget(string path) => Verified.TryRemove(Path.GetFullPath(path), out _);

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }
}
