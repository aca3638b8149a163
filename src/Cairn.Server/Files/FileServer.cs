using System.Globalization;
using System.Text.Json;
using Cairn.Core.Blobs;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Server.Auth;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cairn.Server.Files;

/// <summary>
/// ClearML's file server (api.md §6): <c>POST /</c> multipart uploads whose part names are the
/// destination paths, <c>GET</c>/<c>HEAD</c> with ranges and conditional requests,
/// <c>DELETE</c>, and <c>POST /delete_many</c>. Errors are plain text with one clear line.
/// </summary>
public sealed class FileServer(FileStorage storage, TokenService tokens, IMetadataStore store, FileDeletionQueue deletions, IOptions<CairnOptions> options, CairnMetrics metrics, MemoryTrimmer trimmer, ILogger<FileServer> logger)
{
    /// <summary>The SHA-256 of a file (lowercase hex), on uploads and downloads.</summary>
    public const string Sha256Header = "X-Cairn-Sha256";

    /// <summary>The size of each uploaded file in bytes, in the order of the response's path list.</summary>
    public const string SizeHeader = "X-Cairn-Size";

    private const long MultipartFraming = 1024 * 1024;
    private const string DeleteManyPath = "delete_many";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly CairnOptions _options = options.Value;

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var rawPath = RawPath(http);
        var isRoot = rawPath is "" or "/";
        if (isRoot && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            // ClearML's health answer; needs no token.
            await WriteTextAsync(http, StatusCodes.Status200OK, "OK", newline: false).ConfigureAwait(false);
            return;
        }
        if (_options.FilesAuth && await AuthenticateOrNullAsync(http).ConfigureAwait(false) is { } problem)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteTextAsync(http, StatusCodes.Status401Unauthorized, problem).ConfigureAwait(false);
            return;
        }
        try
        {
            if (HttpMethods.IsPost(request.Method))
            {
                await (isRoot ? UploadAsync(http)
                    : rawPath.TrimStart('/') == DeleteManyPath ? DeleteManyAsync(http)
                    : WriteTextAsync(http, StatusCodes.Status405MethodNotAllowed, "Upload with POST to the file server's root; the part names are the paths.")).ConfigureAwait(false);
            }
            else if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            {
                await DownloadAsync(http, rawPath).ConfigureAwait(false);
            }
            else if (HttpMethods.IsDelete(request.Method))
            {
                await DeleteAsync(http, rawPath).ConfigureAwait(false);
            }
            else
            {
                http.Response.Headers.Allow = "GET, HEAD, POST, DELETE";
                await WriteTextAsync(http, StatusCodes.Status405MethodNotAllowed, $"The file server does not answer {request.Method}.").ConfigureAwait(false);
            }
        }
        catch (FileServerException e) when (!http.Response.HasStarted)
        {
            // A download may fail after its headers were set (the object went away): drop them.
            http.Response.Clear();
            await WriteTextAsync(http, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (!http.Response.HasStarted)
        {
            // The object store failed or refused (missing bucket, bad credentials, denied write):
            // the server's problem, not the client's. 500, because the SDK retries 502-504 forever;
            // the message names the location and path, never a secret.
            logger.LogError("Blob store failure on {Method} {Path}: {Error}", request.Method, rawPath, e.Message);
            http.Response.Clear();
            await WriteTextAsync(http, StatusCodes.Status500InternalServerError, $"Storage error: {e.Message}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; what it sent is already discarded.
        }
        catch (Exception e) when (!http.Response.HasStarted && store.AsUnavailableOrNull(e) is { } unavailable)
        {
            // The database went away: 503, which the SDK's storage helper retries.
            logger.LogWarning("{Method} {Path} answered 503: {Problem}", request.Method, rawPath, unavailable.Message);
            http.Response.Clear();
            http.Response.Headers.RetryAfter = "1";
            await WriteTextAsync(http, StatusCodes.Status503ServiceUnavailable, $"Service unavailable ({unavailable.Message}; try again)").ConfigureAwait(false);
        }
    }

    /// <summary>Null when the request carries a valid, unrevoked token; otherwise why not.</summary>
    private async Task<string?> AuthenticateOrNullAsync(HttpContext http)
    {
        string token;
        var header = http.Request.Headers.Authorization.ToString().Trim();
        if (header.Length == 0)
        {
            if (!http.Request.Cookies.TryGetValue(ClearmlHeaders.TokenCookie, out var cookie) || cookie.Length == 0)
            {
                return "Unauthorized: send 'Authorization: Bearer <token>' (a token from auth.login) or the clearml_token_basic cookie.";
            }
            token = cookie;
        }
        else
        {
            var space = header.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || !header[..space].Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                return "Unauthorized: the file server accepts only Bearer tokens (log in with auth.login first).";
            }
            token = header[(space + 1)..].Trim();
        }
        var (claims, problem) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (claims is null)
        {
            return $"Unauthorized: {problem}.";
        }
        return await store.Sessions.IsTokenRevokedAsync(claims.SessionId, http.RequestAborted).ConfigureAwait(false)
            ? "Unauthorized: token revoked."
            : null;
    }

    private async Task UploadAsync(HttpContext http)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new FileServerException(StatusCodes.Status400BadRequest,
                "Upload as multipart/form-data (with a boundary); each file part's name is the file's path.");
        }
        long? limit = _options.MaxUploadBytes > 0 ? _options.MaxUploadBytes : null;
        // The limit counts file bytes; the body may carry this much more in part headers and
        // boundaries. Kestrel's own default (30 MB) must not apply to weights.
        var bodyLimit = limit + MultipartFraming;
        if (request.ContentLength > bodyLimit)
        {
            throw TooLarge(limit!.Value);
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        var received = new List<(string Path, ReceivedFile File)>();
        try
        {
            var reader = new MultipartBodyReader(request.BodyReader, boundary, TimeSpan.FromSeconds(_options.UploadIdleTimeoutSeconds));
            long total = 0;
            while (await ReadPartAsync(reader, limit, http.RequestAborted).ConfigureAwait(false) is { } headers)
            {
                if (!headers.TryGetValue(HeaderNames.ContentDisposition, out var contentDisposition)
                    || !ContentDispositionHeaderValue.TryParse(contentDisposition, out var disposition)
                    || !disposition.IsFileDisposition())
                {
                    continue; // Plain form fields are not files; ClearML ignores them too.
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                var path = FilePath.ParseOrNull(name, out var problem)
                    ?? throw new FileServerException(StatusCodes.Status400BadRequest, $"Bad file path '{Printable(name)}': {problem}.");
                var file = await ReceiveAsync(reader, path, limit - total, http.RequestAborted).ConfigureAwait(false);
                received.Add((path, file));
                total += file.Size;
            }
            if (received.Count == 0)
            {
                throw new FileServerException(StatusCodes.Status400BadRequest,
                    "The multipart body has no file part; send each file as a part with a filename, named by its path.");
            }
            foreach (var (path, _) in received)
            {
                if (await storage.FindConflictAsync(path, http.RequestAborted).ConfigureAwait(false) is { } conflict)
                {
                    throw new FileServerException(StatusCodes.Status409Conflict, $"Cannot store '{Printable(path)}': {conflict}.");
                }
            }

            var stored = new List<StoredFile>();
            foreach (var (path, file) in received)
            {
                try
                {
                    stored.Add(await storage.CommitAsync(file, path, http.RequestAborted).ConfigureAwait(false));
                }
                catch (IOException e)
                {
                    // A folder appeared at the path (or a file on the way) since the check above.
                    throw new FileServerException(StatusCodes.Status409Conflict, $"Cannot store '{Printable(path)}': {e.Message}");
                }
            }
            logger.LogInformation("Stored {Count} files ({Bytes} bytes)", stored.Count, total);
            metrics.UploadBytes.Add(total);
            trimmer.TransferEnded(total);
            http.Response.Headers[Sha256Header] = string.Join(',', stored.Select(s => s.Sha256));
            http.Response.Headers[SizeHeader] = string.Join(',', stored.Select(s => s.Size.ToString(CultureInfo.InvariantCulture)));
            // ClearML's answer: the JSON list of stored paths. The Python SDK ignores it.
            await http.Response.WriteAsJsonAsync(stored.Select(s => s.Path).ToList(), http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            // Discards what was not committed; a committed upload only lets go of its resources.
            foreach (var (_, file) in received)
            {
                await file.Upload.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>?> ReadPartAsync(MultipartBodyReader reader, long? limit, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextPartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException
            || (e is IOException && !cancellationToken.IsCancellationRequested))
        {
            throw BodyProblem(e, limit);
        }
    }

    private async Task<ReceivedFile> ReceiveAsync(MultipartBodyReader body, string path, long? remaining, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.ReceiveAsync(body, path, remaining, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadTooLargeException)
        {
            throw TooLarge(_options.MaxUploadBytes);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException
            || (e is IOException && !cancellationToken.IsCancellationRequested))
        {
            // A body that ends before its closing boundary reads as an IOException; a client
            // that went away cancels the request instead.
            throw BodyProblem(e, remaining is null ? null : _options.MaxUploadBytes);
        }
    }

    private static FileServerException BodyProblem(Exception e, long? limit) =>
        e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } && limit is { } l
            ? TooLarge(l)
            : new FileServerException(StatusCodes.Status400BadRequest, $"The multipart body could not be read: {e.Message}");

    private static FileServerException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The upload is larger than the limit of {limit} bytes; set Cairn:MaxUploadBytes to raise it.");

    private async Task DownloadAsync(HttpContext http, string rawPath)
    {
        var path = ParsePath(rawPath);
        var found = await storage.FindAsync(path, http.RequestAborted).ConfigureAwait(false)
            ?? throw new FileServerException(StatusCodes.Status404NotFound, $"No file at '{Printable(path)}'.");
        var (blob, record) = found;
        var lastModified = blob.LastModified;
        var etag = record is not null
            ? new EntityTagHeaderValue($"\"{record.Sha256}\"")
            : new EntityTagHeaderValue($"\"{lastModified.UtcTicks:x}-{blob.Size:x}\"");
        if (record is not null)
        {
            http.Response.Headers[Sha256Header] = record.Sha256;
        }
        // Files can be overwritten in place (the SDK reuses weights URLs): revalidate every time.
        http.Response.Headers.CacheControl = "no-cache";
        var name = path[(path.LastIndexOf('/') + 1)..];
        var downloadName = http.Request.Query.ContainsKey("download") ? name : null;
        IResult result;
        if (storage.Disk is { } disk)
        {
            var body = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            http.Features.Set<IHttpResponseBodyFeature>(new FileSendingBodyFeature(body));
            result = Results.File(disk.Resolve(path), ContentType(name), downloadName, lastModified, etag, enableRangeProcessing: true);
        }
        else
        {
            var stream = new BlobDownloadStream(storage.Blobs, path, blob.Size,
                () => new FileServerException(StatusCodes.Status404NotFound, $"No file at '{Printable(path)}'."));
            result = Results.Stream(stream, ContentType(name), downloadName, lastModified, etag, enableRangeProcessing: true);
        }
        await result.ExecuteAsync(http).ConfigureAwait(false);
        if (!HttpMethods.IsHead(http.Request.Method) && http.Response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status206PartialContent
            && http.Response.ContentLength is { } sent)
        {
            metrics.DownloadBytes.Add(sent);
            trimmer.TransferEnded(sent);
        }
    }

    private async Task DeleteAsync(HttpContext http, string rawPath)
    {
        var path = ParsePath(rawPath);
        var outcome = await storage.DeleteAsync(path, folders: false, http.RequestAborted).ConfigureAwait(false);
        // Deleting a model queues its weights; the SDK then deletes them itself and counts
        // anything but 200 as a failure, so a file the queue got to first is reported deleted.
        if (outcome == FileDeleteOutcome.NotFound && await deletions.IsQueuedAsync(path, http.RequestAborted).ConfigureAwait(false))
        {
            outcome = FileDeleteOutcome.Deleted;
        }
        if (outcome != FileDeleteOutcome.Deleted)
        {
            throw new FileServerException(StatusCodes.Status404NotFound, outcome == FileDeleteOutcome.IsFolder
                ? $"'{Printable(path)}' is a folder; delete folders with POST /delete_many."
                : $"No file at '{Printable(path)}'.");
        }
        logger.LogInformation("Deleted file {Path}", path);
        await http.Response.WriteAsJsonAsync(path, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>ClearML's batch delete: <c>{"files": [paths]}</c>; a folder goes with everything in it.</summary>
    private async Task DeleteManyAsync(HttpContext http)
    {
        var files = await ReadFileListAsync(http).ConfigureAwait(false);
        var deleted = new Dictionary<string, string>();
        var errors = new Dictionary<string, List<string>>();
        foreach (var entry in files)
        {
            string? reason;
            var path = FilePath.ParseOrNull(Uri.UnescapeDataString(entry), out var problem);
            if (path is null)
            {
                reason = $"bad path: {problem}";
            }
            else
            {
                var outcome = await storage.DeleteAsync(path, folders: true, http.RequestAborted).ConfigureAwait(false);
                reason = outcome == FileDeleteOutcome.Deleted ? null : "not found";
                if (reason is null)
                {
                    deleted[entry] = path;
                }
            }
            if (reason is not null)
            {
                (errors.TryGetValue(reason, out var list) ? list : errors[reason] = []).Add(entry);
            }
        }
        logger.LogInformation("delete_many removed {Deleted} of {Requested} paths", deleted.Count, files.Count);
        await http.Response.WriteAsJsonAsync(new { deleted, errors }, http.RequestAborted).ConfigureAwait(false);
    }

    private async Task<List<string>> ReadFileListAsync(HttpContext http)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            throw new FileServerException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes (Cairn:MaxRequestBodyBytes).");
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("files", out var files)
                && files.ValueKind == JsonValueKind.Array
                && files.EnumerateArray().All(f => f.ValueKind == JsonValueKind.String))
            {
                return [.. files.EnumerateArray().Select(f => f.GetString()!)];
            }
        }
        catch (JsonException)
        {
        }
        catch (BadHttpRequestException e)
        {
            throw new FileServerException(e.StatusCode, $"The request body could not be read: {e.Message}");
        }
        throw new FileServerException(StatusCodes.Status400BadRequest, """Send a JSON body {"files": ["path", ...]}.""");
    }

    private static string ParsePath(string rawPath)
    {
        // Decoded exactly once: the SDK uploads under the raw name and registers the
        // percent-encoded URL, so "%2520" names a file called "%20".
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(rawPath);
        }
        catch (UriFormatException)
        {
            throw new FileServerException(StatusCodes.Status400BadRequest, "The path is not a valid URL path.");
        }
        return FilePath.ParseOrNull(decoded, out var problem)
            ?? throw new FileServerException(StatusCodes.Status400BadRequest, $"Bad file path '{Printable(decoded)}': {problem}.");
    }

    /// <summary>The request path as sent (still percent-encoded), without the single-port prefix and the query.</summary>
    private string RawPath(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }
        var prefix = _options.FilesPrefix;
        if (!raw.StartsWith('/'))
        {
            // An absolute-form target (http://host/path): fall back to the routed path, re-encoded
            // so that the one decoding step gives it back.
            return Uri.EscapeDataString(http.Request.Path.Value ?? "").Replace("%2F", "/", StringComparison.Ordinal);
        }
        if (prefix.Length > 0)
        {
            if (raw.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (raw.Length == prefix.Length || raw[prefix.Length] == '/'))
            {
                return raw[prefix.Length..];
            }
            return Uri.EscapeDataString(http.Request.Path.Value ?? "").Replace("%2F", "/", StringComparison.Ordinal);
        }
        return raw;
    }

    private static string ContentType(string fileName)
    {
        // Like ClearML: a .gz is served as bytes, so clients do not unpack it on the fly.
        if (fileName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || !ContentTypes.TryGetContentType(fileName, out var type))
        {
            return "application/octet-stream";
        }
        return type;
    }

    /// <summary>A path for an error message: control characters (NUL, newlines) shown escaped.</summary>
    private static string Printable(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static Task WriteTextAsync(HttpContext http, int status, string message, bool newline = true)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : http.Response.WriteAsync(newline ? message + "\n" : message, http.RequestAborted);
    }
}

/// <summary>A refused file-server request: the HTTP status and the one-line message the client sees.</summary>
public sealed class FileServerException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
