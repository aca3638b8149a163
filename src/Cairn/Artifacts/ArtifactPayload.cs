using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Cairn.Artifacts;

/// <summary>
/// What an artifact object becomes before upload (sdk.md §5.7): its type, the file to send (a
/// temporary one the SDK made, or the user's own, which is never deleted), the stored file name,
/// content type and preview; or only a URI to register when the object is a remote URL.
/// </summary>
internal sealed record ArtifactPayload(string Type, string FileName, string ContentType, string? LocalPath, bool IsTemporary, string Preview, string? RegisterUri)
{
    /// <summary>ClearML caps previews at 64 KB.</summary>
    public const int MaxPreviewChars = 65536;

    private static readonly string[] RemoteSchemes = ["http", "https", "s3", "gs", "azure"];

    /// <summary>
    /// The one JSON spelling of <c>dict</c> artifacts, for writing and reading: camelCase names as
    /// JSON usually has them, read case-insensitively so a dict stored by Python fills a record.
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// The SDK's own files are named by their kind, never by the artifact's name: the scratch
    /// folder is per upload, and a name such as <c>a/b</c> or <c>../../x</c> must not become a path.
    /// </summary>
    private const string ScratchStem = "artifact";

    /// <summary>Serializes <paramref name="value"/> into <paramref name="scratch"/> when it is not already a file.</summary>
    /// <exception cref="ArgumentException">The object cannot be stored (e.g. it does not serialize to JSON).</exception>
    public static async Task<ArtifactPayload> PrepareAsync(string name, object value, string scratch, string? preview, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case FileInfo file:
                return FromFile(file.FullName, preview);
            case DirectoryInfo folder:
                return await FromFolderAsync(folder.FullName, scratch, preview, cancellationToken).ConfigureAwait(false);
            case string text when text.Length < 2048 && text.Length > 0 && File.Exists(text):
                return FromFile(Path.GetFullPath(text), preview);
            case string text when text.Length < 2048 && text.Length > 0 && Directory.Exists(text):
                return await FromFolderAsync(Path.GetFullPath(text), scratch, preview, cancellationToken).ConfigureAwait(false);
            case string text when text.Length < 4096 && Uri.TryCreate(text, UriKind.Absolute, out var url) && RemoteSchemes.Contains(url.Scheme):
                var remoteName = text.TrimEnd('/').Split('/')[^1];
                return new ArtifactPayload("custom", remoteName, ArtifactNames.ContentType(remoteName), null, false, preview ?? text, text);
            case string text:
                var textPath = Path.Combine(scratch, ScratchStem + ".txt");
                await File.WriteAllTextAsync(textPath, text, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
                return new ArtifactPayload("string", name + ".txt", "text/plain", textPath, true, preview ?? Cap(text), null);
            case byte[] bytes:
                var bytesPath = Path.Combine(scratch, ScratchStem + ".bin");
                await File.WriteAllBytesAsync(bytesPath, bytes, cancellationToken).ConfigureAwait(false);
                return new ArtifactPayload("custom", name + ".bin", "application/octet-stream", bytesPath, true, preview ?? $"{bytes.Length} bytes", null);
            case Stream stream:
                var streamPath = Path.Combine(scratch, ScratchStem + ".bin");
                long length;
                await using (var output = new FileStream(streamPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
                {
                    await stream.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
                    length = output.Length;
                }
                return new ArtifactPayload("custom", name + ".bin", "application/octet-stream", streamPath, true, preview ?? $"{length} bytes", null);
            default:
                return await FromJsonAsync(name, value, scratch, preview, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ArtifactPayload FromFile(string path, string? preview)
    {
        var fileName = Path.GetFileName(path);
        return new ArtifactPayload("custom", fileName, ArtifactNames.ContentType(fileName), path, false,
            preview ?? $"{fileName} - {new FileInfo(path).Length} bytes", null);
    }

    private static async Task<ArtifactPayload> FromFolderAsync(string folder, string scratch, string? preview, CancellationToken cancellationToken)
    {
        var folderName = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var zipPath = Path.Combine(scratch, folderName + ".zip");
        await ZipFile.CreateFromDirectoryAsync(folder, zipPath, CompressionLevel.Optimal, includeBaseDirectory: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (preview is null)
        {
            var listing = new StringBuilder($"Archive content {folder}:\n");
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                listing.Append(Path.GetRelativePath(folder, file).Replace('\\', '/')).Append(" - ").Append(new FileInfo(file).Length).Append(" bytes\n");
                if (listing.Length > MaxPreviewChars)
                {
                    break;
                }
            }
            preview = Cap(listing.ToString());
        }
        return new ArtifactPayload("archive", folderName + ".zip", "application/zip", zipPath, true, preview, null);
    }

    private static async Task<ArtifactPayload> FromJsonAsync(string name, object value, string scratch, string? preview, CancellationToken cancellationToken)
    {
        var jsonPath = Path.Combine(scratch, ScratchStem + ".json");
        try
        {
            await using (var output = new FileStream(jsonPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await JsonText.WriteArtifactAsync(output, value, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            throw new ArgumentException($"The artifact '{name}' ({value.GetType().Name}) cannot be serialized to JSON: {e.Message}", nameof(value), e);
        }
        if (preview is null)
        {
            using var reader = new StreamReader(jsonPath);
            var buffer = new char[MaxPreviewChars];
            var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
            preview = new string(buffer, 0, read);
        }
        return new ArtifactPayload("dict", name + ".json", "application/json", jsonPath, true, preview, null);
    }

    private static string Cap(string text) => text.Length <= MaxPreviewChars ? text : text[..MaxPreviewChars];
}
