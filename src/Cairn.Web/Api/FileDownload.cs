using System.Net;
using Cairn.Web.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Cairn.Web.Api;

/// <summary>
/// <c>GET download?uri=…</c>: a file on Cairn's file server, for the signed-in browser. The browser
/// holds a session cookie, not a file-server token, so a plain link to the file server answers 401;
/// this route asks the file server with the user's own API token and streams its answer through,
/// byte ranges included, without holding the file in memory.
/// </summary>
internal static class FileDownload
{
    /// <summary>The route, relative to the UI's base address.</summary>
    public const string Path = "download";

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // Large weights take long; the browser's abort cancels the request.
    };

    private static readonly string[] PassedHeaders =
        [HeaderNames.ContentRange, HeaderNames.AcceptRanges, HeaderNames.ETag, HeaderNames.LastModified, StoredFileApi.Sha256Header];

    /// <summary>The UI's link for <paramref name="uri"/> when it is a file on the file server at <paramref name="filesUrl"/>; null otherwise.</summary>
    public static string? LinkOrNull(string? uri, string filesUrl) =>
        IsOnFileServer(uri, filesUrl, out _) ? $"{Path}?uri={Uri.EscapeDataString(uri!)}" : null;

    private static bool IsOnFileServer(string? uri, string filesUrl, out Uri parsed)
    {
        parsed = null!;
        if (uri is null || !Uri.TryCreate(uri, UriKind.Absolute, out var candidate) || !Uri.TryCreate(filesUrl.TrimEnd('/') + "/", UriKind.Absolute, out var root))
        {
            return false;
        }
        // Compared after normalization ("a/../../x" is resolved by Uri), so no address outside the file server is fetched.
        parsed = candidate;
        return candidate.Scheme == root.Scheme && candidate.Authority == root.Authority
            && candidate.AbsolutePath.StartsWith(root.AbsolutePath, StringComparison.Ordinal) && candidate.AbsolutePath.Length > root.AbsolutePath.Length;
    }

    public static async Task HandleAsync(HttpContext http, CairnWebOptions options)
    {
        var uri = http.Request.Query["uri"].ToString();
        if (!IsOnFileServer(uri, options.FilesUrl, out var target))
        {
            await PlainAsync(http, StatusCodes.Status400BadRequest, "Only files on this server's file server can be downloaded here.");
            return;
        }
        if (SessionClaims.Authorization(http.User) is not { } authorization)
        {
            await PlainAsync(http, StatusCodes.Status401Unauthorized, "Sign in again to download.");
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(target) { Query = "download" }.Uri);
        request.Headers.Authorization = authorization;
        if (http.Request.Headers.Range is { Count: > 0 } range)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Range, range.ToString());
        }
        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        }
        catch (HttpRequestException)
        {
            await PlainAsync(http, StatusCodes.Status502BadGateway, "The file server did not answer.");
            return;
        }
        using (response)
        {
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable))
            {
                // The file server's 4xx (a malformed path, a missing file) are the client's mistakes and
                // pass through; only its failures are the gateway's.
                var status = (int)response.StatusCode is >= 400 and < 500
                    ? (int)response.StatusCode
                    : StatusCodes.Status502BadGateway;
                await PlainAsync(http, status, status == 404 ? "The file is not on the file server." : $"The file server answered {(int)response.StatusCode}.");
                return;
            }
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var name in PassedHeaders)
            {
                if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                {
                    http.Response.Headers[name] = values.ToArray();
                }
            }
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
            if (response.Content.Headers.ContentLength is { } length)
            {
                http.Response.ContentLength = length;
            }
            var fileName = Uri.UnescapeDataString(target.Segments[^1]);
            http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName }.ToString();
            await using var body = await response.Content.ReadAsStreamAsync(http.RequestAborted);
            await body.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }

    private static async Task PlainAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(message, http.RequestAborted);
    }
}
