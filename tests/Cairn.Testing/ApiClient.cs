using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Cairn.Testing;

/// <summary>A parsed API response: HTTP status and the envelope.</summary>
public sealed record ApiResponse(int Status, JsonObject Envelope, HttpResponseMessage Http)
{
    public JsonObject Meta => Envelope["meta"]!.AsObject();

    public JsonObject Data => Envelope["data"]!.AsObject();

    public int Code => Meta["result_code"]!.GetValue<int>();

    public int Subcode => Meta["result_subcode"]!.GetValue<int>();

    public string Message => Meta["result_msg"]!.GetValue<string>();

    /// <summary>Asserts a 200 and returns the data.</summary>
    public JsonObject Ok()
    {
        Assert.True(Status == 200, $"expected 200, got {Status}/{Subcode}: {Message}");
        return Data;
    }

    /// <summary>Asserts the HTTP status, result code and subcode (status must equal result_code).</summary>
    public ApiResponse Fails(int code, int subcode)
    {
        Assert.True(Status == code && Code == code && Subcode == subcode,
            $"expected {code}/{subcode}, got HTTP {Status}, {Code}/{Subcode}: {Message}");
        Assert.Empty(Data);
        return this;
    }
}

/// <summary>Raw HTTP access to the API, the way ClearML clients talk to it (GET with a JSON body by default).</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(Uri baseUrl, AuthenticationHeaderValue? authorization)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = baseUrl };
        _http.DefaultRequestHeaders.Authorization = authorization;
    }

    public static AuthenticationHeaderValue Basic(string key, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{key}:{secret}")));

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public AuthenticationHeaderValue? Authorization
    {
        get => _http.DefaultRequestHeaders.Authorization;
        set => _http.DefaultRequestHeaders.Authorization = value;
    }

    /// <summary>Calls an endpoint with a JSON body (GET, as the Python SDK does).</summary>
    public Task<ApiResponse> CallAsync(string path, object? body = null, HttpMethod? method = null) =>
        SendAsync(path, body is null ? "" : body is string s ? s : JsonSerializer.Serialize(body), "application/json", method);

    public async Task<ApiResponse> SendAsync(string path, string body, string contentType, HttpMethod? method = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path.TrimStart('/'));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await ParseAsync(await _http.SendAsync(request));
    }

    public async Task<HttpResponseMessage> RawAsync(HttpRequestMessage request) => await _http.SendAsync(request);

    public static async Task<ApiResponse> ParseAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var node = JsonNode.Parse(text);
        Assert.True(node is JsonObject, $"response is not a JSON object: {text}");
        return new ApiResponse((int)response.StatusCode, node!.AsObject(), response);
    }

    /// <summary>Logs in with the current Basic credentials and switches this client to the token.</summary>
    public async Task<string> LoginAsync()
    {
        var token = (await CallAsync("auth.login")).Ok()["token"]!.GetValue<string>();
        Authorization = Bearer(token);
        return token;
    }

    public void Dispose() => _http.Dispose();
}
