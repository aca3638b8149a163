using System.Globalization;
using System.Text.Json;
using Cairn.Protocol.Services;
using Cairn.Storage;

namespace Cairn.Artifacts;

/// <summary>
/// One artifact of an experiment (ClearML's <c>task.artifacts[name]</c>): where it is stored, what
/// it is, its size, SHA-256, metadata and preview, and the means to fetch it.
/// </summary>
public sealed class Artifact
{
    private readonly StorageManager _storage;

    internal Artifact(StorageManager storage, TaskArtifactDto record)
    {
        _storage = storage;
        Name = record.Key ?? "";
        Type = record.Type ?? "custom";
        Mode = record.Mode ?? "output";
        Url = record.Uri;
        Size = record.ContentSize;
        Hash = record.Hash;
        Timestamp = record.Timestamp is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        Preview = record.TypeData?.Preview;
        ContentType = record.TypeData?.ContentType;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in record.DisplayData ?? [])
        {
            if (pair is { Count: >= 2 })
            {
                metadata[pair[0] ?? ""] = pair[1] ?? "";
            }
        }
        Metadata = metadata;
    }

    /// <summary>The artifact's name (its <c>key</c>).</summary>
    public string Name { get; }

    /// <summary>What it holds: <c>string</c>, <c>dict</c> (JSON), <c>archive</c> (a zipped folder), <c>custom</c> (a file or bytes), or a type another SDK wrote.</summary>
    public string Type { get; }

    /// <summary><c>output</c> or <c>input</c>.</summary>
    public string Mode { get; }

    /// <summary>Where it is stored.</summary>
    public string? Url { get; }

    /// <summary>The stored file's size in bytes, when recorded.</summary>
    public long? Size { get; }

    /// <summary>The stored file's SHA-256 (hex), when recorded.</summary>
    public string? Hash { get; }

    /// <summary>When it was uploaded.</summary>
    public DateTimeOffset? Timestamp { get; }

    /// <summary>A short text view of the content.</summary>
    public string? Preview { get; }

    /// <summary>The stored file's content type.</summary>
    public string? ContentType { get; }

    /// <summary>The metadata given at upload, as strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// A local copy through the cache, checked against the recorded size and SHA-256; an
    /// <c>archive</c> is extracted (unless <paramref name="extractArchive"/> is false) and its folder returned.
    /// </summary>
    /// <exception cref="InvalidOperationException">The artifact has no URL.</exception>
    /// <exception cref="FileNotFoundException">Nothing is stored at its URL.</exception>
    /// <exception cref="StorageIntegrityException">The downloaded bytes are not the ones recorded.</exception>
    public Task<string> GetLocalCopyAsync(bool extractArchive = true, bool forceDownload = false, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var url = Url ?? throw new InvalidOperationException($"The artifact '{Name}' has no URL.");
        var expected = Hash is null && Size is null ? null : new FileIntegrity(Size is > 0 ? Size : null, Hash);
        var archiveName = extractArchive && Type == "archive" ? Name : null;
        return _storage.GetLocalCopyAsync(url, expected, archiveName, forceDownload, progress, cancellationToken);
    }

    /// <summary>
    /// The artifact's content as <typeparamref name="T"/>: <c>string</c> gives the text of a
    /// <c>string</c> artifact (and the local path of any other), <c>byte[]</c> the file's bytes,
    /// <see cref="FileInfo"/>/<see cref="DirectoryInfo"/> the local copy, and any other type is
    /// read from a JSON artifact with System.Text.Json.
    /// </summary>
    /// <exception cref="InvalidOperationException">The artifact is not JSON and <typeparamref name="T"/> is not one of the types above.</exception>
    /// <exception cref="JsonException">The JSON does not fit <typeparamref name="T"/>.</exception>
    public async Task<T> GetAsync<T>(CancellationToken cancellationToken = default)
    {
        var path = await GetLocalCopyAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        object? result;
        if (typeof(T) == typeof(string))
        {
            result = Type == "string" ? await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false) : path;
        }
        else if (typeof(T) == typeof(byte[]))
        {
            result = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        else if (typeof(T) == typeof(FileInfo))
        {
            result = new FileInfo(path);
        }
        else if (typeof(T) == typeof(DirectoryInfo))
        {
            result = new DirectoryInfo(path);
        }
        else if (Type == "dict" || string.Equals(ContentType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            await using var file = File.OpenRead(path);
            result = await JsonText.ReadArtifactAsync<T>(file, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidOperationException(
                $"The artifact '{Name}' is of type '{Type}' ({ContentType}); read it as string (its path), byte[], FileInfo or DirectoryInfo, not {typeof(T).Name}.");
        }
        return (T)result!;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Type}, {Size} bytes) {Url}");
}
