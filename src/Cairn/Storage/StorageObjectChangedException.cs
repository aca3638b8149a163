namespace Cairn.Storage;

/// <summary>
/// An object changed while it was being downloaded in ranges (its ETag or generation differs
/// between two ranges): the bytes received mix two versions. Nothing is left under the target
/// name; downloading again gets the new version whole.
/// </summary>
public sealed class StorageObjectChangedException : ClearMLStorageException
{
    /// <summary>Creates the exception for <paramref name="url"/>.</summary>
    public StorageObjectChangedException(string url, string expectedVersion, string? actualVersion, Exception? innerException = null)
        : base($"{url} changed while it was being downloaded (version {expectedVersion} when the download began, {actualVersion ?? "another"} now); nothing was kept. Download it again.", innerException)
    {
        Url = url;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>The URL being downloaded.</summary>
    public string Url { get; }

    /// <summary>The version (ETag, generation) the download began with.</summary>
    public string ExpectedVersion { get; }

    /// <summary>The version a later range came from, when the store said.</summary>
    public string? ActualVersion { get; }
}
