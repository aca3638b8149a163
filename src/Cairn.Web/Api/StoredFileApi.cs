namespace Cairn.Web.Api;

/// <summary>What the file server knows about a stored file: its size and, when it recorded one, its SHA-256.</summary>
public sealed record StoredFile(long? Size, string? Sha256);

/// <summary>Asks Cairn's own file server about a weights file, with a HEAD request as the signed-in user.</summary>
public static class StoredFileApi
{
    /// <summary>The header in which the file server reports the SHA-256 it computed while storing the file.</summary>
    public const string Sha256Header = "X-Cairn-Sha256";

    // HEAD requests only, with a short timeout: the page must not hang on a slow file server.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// The size and hash of <paramref name="uri"/> when it is a file on this server's file server
    /// (under <paramref name="filesUrl"/>); null for other addresses, a missing file or a server that does not answer.
    /// </summary>
    public static async Task<StoredFile?> GetStoredFileOrNullAsync(this CairnApi api, string filesUrl, string? uri, CancellationToken cancellationToken = default)
    {
        if (uri is null || !uri.StartsWith(filesUrl.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var authorization = await api.AuthorizationAsync().ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        request.Headers.Authorization = authorization;
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            var sha256 = response.Headers.TryGetValues(Sha256Header, out var values) ? values.FirstOrDefault() : null;
            return new StoredFile(response.Content.Headers.ContentLength, sha256);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
