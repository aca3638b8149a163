namespace Cairn.Storage;

/// <summary>What a downloaded file must be: its size and SHA-256 (lowercase hex), either one optional.</summary>
/// <param name="Size">The expected size in bytes; null to skip the check.</param>
/// <param name="Sha256">The expected SHA-256 in hex (any case); null to skip the check.</param>
public sealed record FileIntegrity(long? Size, string? Sha256);

/// <summary>
/// A downloaded file is not what it should be (its size or SHA-256 differs from the recorded or
/// the server's). The partial file is deleted, never left in the cache.
/// </summary>
public sealed class StorageIntegrityException : ClearMLStorageException
{
    /// <summary>Creates the exception for <paramref name="url"/>.</summary>
    public StorageIntegrityException(string url, string? expectedSha256, string actualSha256, long? expectedSize, long actualSize)
        : base(Describe(url, expectedSha256, actualSha256, expectedSize, actualSize), null)
    {
        Url = url;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
        ExpectedSize = expectedSize;
        ActualSize = actualSize;
    }

    /// <summary>The URL that was downloaded.</summary>
    public string Url { get; }

    /// <summary>The SHA-256 it should have had, when one was known.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>The SHA-256 of the bytes received.</summary>
    public string ActualSha256 { get; }

    /// <summary>The size it should have had, when known.</summary>
    public long? ExpectedSize { get; }

    /// <summary>The number of bytes received.</summary>
    public long ActualSize { get; }

    private static string Describe(string url, string? expectedSha256, string actualSha256, long? expectedSize, long actualSize) =>
        $"The download of {url} is corrupt: expected SHA-256 {expectedSha256 ?? "(not recorded)"} and {(expectedSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any")} bytes, "
        + $"received SHA-256 {actualSha256} and {actualSize} bytes.";
}
