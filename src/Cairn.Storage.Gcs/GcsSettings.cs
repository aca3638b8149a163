using System.Globalization;
using Cairn.Configuration;

namespace Cairn.Storage.Gcs;

/// <summary><c>gs://bucket/path</c>, split as ClearML does (the object name is the path as written).</summary>
internal readonly record struct GcsLocation(string Bucket, string Name)
{
    /// <exception cref="ArgumentException">The URL names no bucket.</exception>
    public static GcsLocation Split(Uri url)
    {
        var text = url.OriginalString;
        var parts = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/', 2);
        if (parts[0].Length == 0)
        {
            throw new ArgumentException($"{text} names no bucket: write gs://<bucket>/<path>.", nameof(url));
        }
        return new GcsLocation(parts[0], parts.Length > 1 ? parts[1] : "");
    }
}

/// <summary>
/// The credentials for one bucket: an item of <c>sdk.google.storage.credentials</c>, or the block's
/// own <c>project</c> / <c>credentials_json</c>, or <c>GOOGLE_APPLICATION_CREDENTIALS</c>.
/// <paramref name="ConfigPath"/> names where they came from, for messages (never their content).
/// </summary>
internal sealed record GcsBucketSettings(string? Bucket, string? Subdir, string? Project, string? CredentialsJson, string ConfigPath);

/// <summary>
/// <c>sdk.google.storage</c> as ClearML's Python SDK reads it, plus Cairn's keys: <c>endpoint</c>
/// (a JSON-API root such as an emulator's <c>http://host:port</c>; <c>STORAGE_EMULATOR_HOST</c>
/// works too) and <c>multipart_chunksize</c> (the chunk of a resumable upload).
/// </summary>
internal sealed class GcsSettings
{
    public const string Root = "sdk.google.storage";

    private readonly List<GcsBucketSettings> _buckets = [];

    private readonly GcsBucketSettings _default;

    public GcsSettings(ClearMLSettings settings, Func<string, string?> environment)
    {
        var blocks = settings.StorageBlocks;
        string? Get(string path) => blocks.TryGetValue(path, out var value) && value.Length > 0 ? value : null;
        for (var i = 0; blocks.Keys.Any(k => k.StartsWith($"{Root}.credentials.{i}.", StringComparison.Ordinal)); i++)
        {
            var p = $"{Root}.credentials.{i}";
            _buckets.Add(new GcsBucketSettings(Get($"{p}.bucket"), Get($"{p}.subdir")?.Trim('/'), Get($"{p}.project") ?? Get($"{Root}.project"),
                Get($"{p}.credentials_json"), p));
        }
        _default = Get($"{Root}.credentials_json") is { } json
            ? new GcsBucketSettings(null, null, Get($"{Root}.project"), json, $"{Root}.credentials_json")
            : new GcsBucketSettings(null, null, Get($"{Root}.project"), environment("GOOGLE_APPLICATION_CREDENTIALS") is { Length: > 0 } env ? env : null,
                "GOOGLE_APPLICATION_CREDENTIALS");
        var endpoint = Get($"{Root}.endpoint") ?? (environment("STORAGE_EMULATOR_HOST") is { Length: > 0 } host ? host : null);
        if (endpoint is not null)
        {
            Endpoint = new Uri(endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint);
        }
        long Size(string name, long fallback) =>
            long.TryParse(Get($"{Root}.{name}"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        // A resumable upload's chunks are multiples of 256 KiB.
        const long quantum = 256 << 10;
        ChunkSize = (int)Math.Clamp(Size("multipart_chunksize", 16L << 20) / quantum * quantum, quantum, 1L << 30);
        Ranges = TransferSettings.Ranges(blocks, Root);
    }

    /// <summary>Ranged downloads: <c>download_threshold</c>, <c>download_chunksize</c>, <c>download_concurrency</c>.</summary>
    public RangeSettings Ranges { get; }

    /// <summary>The JSON API's root when not Google's (an emulator, a private endpoint); null for Google.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The chunk of a resumable upload, a multiple of 256 KiB; memory per upload is one chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>
    /// The settings for an object, matched as ClearML matches them: the first <c>credentials</c> item
    /// for the bucket whose <c>subdir</c> begins the name, else the first for the bucket without a
    /// <c>subdir</c>, else the block's defaults.
    /// </summary>
    public GcsBucketSettings For(GcsLocation location) =>
        _buckets.FirstOrDefault(b => b.Bucket == location.Bucket && !string.IsNullOrEmpty(b.Subdir) && location.Name.StartsWith(b.Subdir, StringComparison.Ordinal))
        ?? _buckets.FirstOrDefault(b => b.Bucket == location.Bucket && string.IsNullOrEmpty(b.Subdir))
        ?? _default;
}
