using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Cairn.Testing;

namespace Cairn.Server.Tests.Files;

/// <summary>Raw HTTP to the file server, shaped like the Python SDK's calls (sdk-calls.md §8).</summary>
internal sealed class FilesClient : IDisposable
{
    private readonly HttpClient _http;

    public FilesClient(Uri filesUrl, string? token)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            BaseAddress = filesUrl,
        };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>A client for the server's files port, with a token from <c>auth.login</c>.</summary>
    public static async Task<FilesClient> ForAsync(TestServer server, bool authenticated = true) =>
        new(FilesUrl(server), authenticated ? await TokenAsync(server) : null);

    public static Uri FilesUrl(TestServer server) => new($"http://127.0.0.1:{server.FilesPort}/");

    public static async Task<string> TokenAsync(TestServer server)
    {
        using var api = server.Client();
        return await api.LoginAsync();
    }

    /// <summary>One part whose name and filename are the object path with a leading '/', as the SDK sends it.</summary>
    public static MultipartFormDataContent SdkUpload(string path, byte[] bytes, string contentType = "application/octet-stream")
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var form = new MultipartFormDataContent();
        form.Add(part, "/" + path, "/" + path);
        return form;
    }

    public Task<HttpResponseMessage> UploadAsync(string path, byte[] bytes) => PostAsync("", SdkUpload(path, bytes));

    public async Task<HttpResponseMessage> PostAsync(string relative, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, relative) { Content = content };
        return await _http.SendAsync(request);
    }

    /// <summary>Sends a request to a path given already percent-encoded (the URL the SDK registers).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string encodedPath, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, encodedPath);
        configure?.Invoke(request);
        return await _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string encodedPath, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, encodedPath, configure);

    /// <summary>Percent-encodes each folder name the way a URL carries it (the SDK's registered uri).</summary>
    public static string Encode(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    /// <summary>A path no other test uses.</summary>
    public static string Unique(string name) => $"tests/{Guid.NewGuid():N}/{name}";

    /// <summary>
    /// Sends a request line exactly as given over a plain socket, because HttpClient removes
    /// dot segments before sending; returns the status code.
    /// </summary>
    public static async Task<int> RawStatusAsync(int port, string method, string target, string? token, string body = "", string? contentType = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var auth = token is null ? "" : $"Authorization: Bearer {token}\r\n";
        var type = contentType is null ? "" : $"Content-Type: {contentType}\r\n";
        var bytes = Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{type}Content-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every file under a folder, as paths relative to it.</summary>
    public static IReadOnlyList<string> FilesUnder(string folder) =>
        Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal)]
            : [];

    public void Dispose() => _http.Dispose();
}
