using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cairn.Session;

namespace Cairn.Storage;

/// <summary>
/// http(s) URLs: ClearML's file server (and plain web servers for reading). Uploads are one
/// multipart POST to the server's root whose part is named by the destination path, as the
/// Python SDK sends them; the session's token goes only to the configured files host. Bodies are
/// streamed both ways. A download is hashed on the fly. An upload's SHA-256 is the one Cairn's file
/// server computes while receiving (<c>X-Cairn-Sha256</c>; its <c>X-Cairn-Size</c> is checked
/// against the bytes sent), so the client does not hash a file it sends to Cairn; for a server that
/// reports no hash (ClearML's), or a stream that cannot be re-read, the client hashes what it sends,
/// and when both hashes exist they must agree.
/// </summary>
public sealed class FileServerDriver : IStorageDriver, IDisposable
{
    /// <summary>The SHA-256 a Cairn file server reports for an upload or a download.</summary>
    public const string Sha256Header = "X-Cairn-Sha256";

    /// <summary>The size a Cairn file server reports for an upload.</summary>
    public const string SizeHeader = "X-Cairn-Size";

    private static readonly MediaTypeHeaderValue OctetStream = new("binary/octet-stream");

    private readonly ClearMLSession _session;

    private readonly Uri? _filesHost;

    private volatile bool _disposed;

    // The session's client (or a fresh one from its factory); a disposed driver refuses new transfers.
    private HttpClient Http => _disposed ? throw new ObjectDisposedException(nameof(FileServerDriver)) : _session.FilesHttp;

    // Per server root: whether its last upload answer carried the SHA-256 of what it stored.
    private readonly ConcurrentDictionary<string, bool> _reportsSha256 = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A driver using <paramref name="session"/>'s connections, files host and token.</summary>
    public FileServerDriver(ClearMLSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _filesHost = session.Settings.FilesHost;
    }

    /// <inheritdoc />
    public bool CanHandle(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps;
    }

    /// <summary>Whether <paramref name="url"/> is on the configured files host (and so gets the Bearer token).</summary>
    public bool IsFilesServer(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return _filesHost is not null
            && url.Scheme == _filesHost.Scheme
            && string.Equals(url.Host, _filesHost.Host, StringComparison.OrdinalIgnoreCase)
            && url.Port == _filesHost.Port
            && url.AbsolutePath.StartsWith(_filesHost.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public async Task<UploadResult> UploadAsync(Stream content, Uri url, long? length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(url);
        var root = IsFilesServer(url) ? _filesHost!.GetLeftPart(UriPartial.Path).TrimEnd('/') : url.GetLeftPart(UriPartial.Authority);
        var rootPath = new Uri(root + "/").AbsolutePath;
        // The part name is the path below the server's root, unquoted, with a leading '/'.
        var name = "/" + StorageUrl.Unquote(url.AbsolutePath[(rootPath.Length - 1)..]).TrimStart('/');
        var quotedUrl = StorageUrl.Quote(root + name);

        // A seekable source need not be hashed while it is sent when the server reports the hash of
        // what it stored (Cairn's file server does): that saves the client a SHA-256 pass competing
        // with the transfer for CPU. A server that did not report one last time (ClearML's) gets the
        // source hashed on the way, as does a stream that cannot be read twice.
        var start = content.CanSeek ? content.Position : -1;
        var hashWhileSending = start < 0 || _reportsSha256.TryGetValue(root, out var reports) && !reports;

        using var body = new MultipartFormDataContent($"----cairn-{Guid.NewGuid():N}") { HeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        var part = new UploadContent(content, length, quotedUrl, progress, _session.Settings.TransferIdleTimeout, hashWhileSending);
        var disposition = EscapeDisposition(name);
        part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"{disposition}\"; filename=\"{disposition}\"");
        part.Headers.ContentType = PartContentType(name);
        body.Add(part);
        using var request = new HttpRequestMessage(HttpMethod.Post, root + "/") { Content = body };
        await AuthorizeAsync(request, url, cancellationToken).ConfigureAwait(false);
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, "upload to", quotedUrl, cancellationToken).ConfigureAwait(false);
        }
        var (size, sentSha) = part.Sent ?? throw new IOException($"The upload to {quotedUrl} was answered before its body was sent.");
        var serverSha = Header(response, Sha256Header)?.ToLowerInvariant();
        var serverSize = long.TryParse(Header(response, SizeHeader), out var parsed) ? parsed : (long?)null;
        _reportsSha256[root] = serverSha is { Length: 64 };
        if ((serverSha is not null && sentSha is not null && serverSha != sentSha) || (serverSize is not null && serverSize != size))
        {
            throw new StorageIntegrityException(quotedUrl, sentSha, serverSha ?? "(not reported)", size, serverSize ?? -1);
        }
        var sha256 = serverSha is { Length: 64 } ? serverSha : sentSha;
        if (sha256 is null)
        {
            // No hash from the server and none taken on the way: read the source once more.
            content.Position = start;
            sha256 = await TransferCopy.Sha256Async(content, cancellationToken).ConfigureAwait(false);
        }
        return new UploadResult(quotedUrl, size, sha256);
    }

    /// <summary>
    /// The content type of an upload part, as Python's SDK sends it: guessed from the file
    /// extension, <c>binary/octet-stream</c> when the extension gives no guess (or there is none).
    /// </summary>
    internal static MediaTypeHeaderValue PartContentType(string name)
    {
        // Python's mimetypes knows ".bin" as application/octet-stream; other extensions it cannot guess (".pt", ".onnx") fall back.
        var guessed = Artifacts.ArtifactNames.ContentType(name);
        return guessed == "application/octet-stream" && !Path.GetExtension(name).Equals(".bin", StringComparison.OrdinalIgnoreCase)
            ? OctetStream : new MediaTypeHeaderValue(guessed);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var response = await SendAsync(HttpMethod.Get, url, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, "download of", url.AbsoluteUri, cancellationToken).ConfigureAwait(false);
            }
            var sha256 = response.Headers.TryGetValues(Sha256Header, out var values) ? values.FirstOrDefault()?.ToLowerInvariant() : null;
            return new ObjectReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
                response.Content.Headers.ContentLength, sha256, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var response = await SendAsync(HttpMethod.Head, url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        return response.IsSuccessStatusCode
            ? true
            : throw await FailureAsync(response, "check of", url.AbsoluteUri, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var response = await SendAsync(HttpMethod.Delete, url, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        return response.IsSuccessStatusCode
            ? true
            : throw await FailureAsync(response, "delete of", url.AbsoluteUri, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() =>
        _disposed = true; // The HTTP client is the session's (or its factory's); the session disposes what it owns.

    /// <summary>Sends a body-less request; a 401 on the files host gets a fresh token and one more try.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            var token = await AuthorizeAsync(request, url, cancellationToken).ConfigureAwait(false);
            var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || token is null || attempt > 0)
            {
                return response;
            }
            response.Dispose();
            _session.Invalidate(token);
        }
    }

    private async Task<string?> AuthorizeAsync(HttpRequestMessage request, Uri url, CancellationToken cancellationToken)
    {
        if (!IsFilesServer(url))
        {
            return null;
        }
        var token = await _session.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return token;
    }

    private static async Task<Exception> FailureAsync(HttpResponseMessage response, string what, string url, CancellationToken cancellationToken)
    {
        var text = "";
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            // At most 1 KB of the body: an error page may be large, only its start goes in the message.
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[1024];
            var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            text = Encoding.UTF8.GetString(buffer, 0, read);
            text = text.Split('\n', 2)[0].Trim();
            text = text.Length > 300 ? text[..300] : text;
        }
        var message = $"The {what} {url} failed with HTTP {(int)response.StatusCode}{(text.Length > 0 ? ": " + text : "")}";
        return response.StatusCode == HttpStatusCode.NotFound
            ? new FileNotFoundException(message, url)
            : new HttpRequestException(message, null, response.StatusCode);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>HTML5 form escaping of a part name (what Python's urllib3 does): quotes and line breaks only.</summary>
    private static string EscapeDisposition(string name) =>
        name.Replace("\"", "%22", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);
}
