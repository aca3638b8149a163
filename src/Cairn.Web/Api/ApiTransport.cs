using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Cairn.Web.Api;

/// <summary>
/// Sends one API call through the server's dispatcher without a socket: a request context with
/// the caller's Authorization header and a JSON body, and the <c>{meta, data}</c> envelope read
/// back from the response.
/// </summary>
public sealed class ApiTransport(ApiHandler handler, IServiceProvider services)
{
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Calls <paramref name="endpoint"/> (e.g. <c>models.get_all_ex</c>) and returns its <c>data</c>.</summary>
    /// <exception cref="ApiException">The API answered with a result code other than 200.</exception>
    public async Task<JsonObject> CallAsync(string endpoint, JsonObject? body, AuthenticationHeaderValue authorization, CancellationToken cancellationToken = default)
    {
        var http = new DefaultHttpContext { RequestServices = services, RequestAborted = cancellationToken };
        var request = http.Request;
        request.Method = HttpMethods.Post;
        request.Scheme = "http";
        request.Host = new HostString("cairn-web");
        request.Path = "/" + endpoint;
        request.Headers.Authorization = authorization.ToString();
        request.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes((body ?? []).ToJsonString(SerializerOptions));
        request.Body = new MemoryStream(bytes, writable: false);
        request.ContentLength = bytes.Length;
        using var responseBody = new MemoryStream();
        http.Response.Body = responseBody;

        await handler(http).ConfigureAwait(false);

        responseBody.Position = 0;
        JsonObject envelope;
        try
        {
            envelope = await JsonSerializer.DeserializeAsync<JsonObject>(responseBody, SerializerOptions, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiException(endpoint, 500, 0, "The API returned an empty response.");
        }
        catch (JsonException)
        {
            // Only a refusal outside the envelope (e.g. 415) is not JSON; pass on its status.
            throw new ApiException(endpoint, http.Response.StatusCode, 0, Encoding.UTF8.GetString(responseBody.ToArray()));
        }
        var meta = envelope["meta"] as JsonObject;
        var code = meta?["result_code"]?.GetValue<int>() ?? http.Response.StatusCode;
        if (code != 200)
        {
            throw new ApiException(endpoint, code, meta?["result_subcode"]?.GetValue<int>() ?? 0,
                meta?["result_msg"]?.GetValue<string>() ?? $"{endpoint} failed with {code}");
        }
        return envelope["data"] as JsonObject ?? [];
    }
}
