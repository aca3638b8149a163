using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Storage;

namespace Cairn.Artifacts;

/// <summary>
/// One artifact of an experiment (ClearML's <c>task.artifacts[name]</c>): where it is stored, what
/// it is, its size, SHA-256, metadata and preview, and the means to fetch it.
/// </summary>
public sealed class Artifact
{
    private readonly StorageManager _storage;

    internal Artifact(StorageManager storage, JsonObject record)
    {
        _storage = storage;
        Record = record;
        Name = Text(record, "key") ?? "";
        Type = Text(record, "type") ?? "custom";
        Mode = Text(record, "mode") ?? "output";
        Url = Text(record, "uri");
        Size = record["content_size"] is JsonValue size && size.TryGetValue<long>(out var bytes) ? bytes : null;
        Hash = Text(record, "hash");
        Timestamp = record["timestamp"] is JsonValue stamp && stamp.TryGetValue<long>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        Preview = record["type_data"] is JsonObject typeData ? Text(typeData, "preview") : null;
        ContentType = record["type_data"] is JsonObject data ? Text(data, "content_type") : null;
        Metadata = record["display_data"] is JsonArray pairs
            ? pairs.OfType<JsonArray>().Where(p => p.Count >= 2).ToDictionary(p => p[0]?.ToString() ?? "", p => p[1]?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
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

    /// <summary>The server's record, as sent (<c>tasks.Artifact</c>).</summary>
    internal JsonObject Record { get; }

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

    private static string? Text(JsonObject obj, string key) => obj[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
