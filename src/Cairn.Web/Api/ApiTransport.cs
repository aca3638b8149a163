using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cairn.Web.Api;

/// <summary>
/// Sends one API call through the server's dispatcher without a socket: a request context with
/// the caller's Authorization header and a JSON body, and the <c>{meta, data}</c> envelope read
/// back from the response (<see cref="ResponseEnvelope"/>, the reader the SDK's wire rules share).
/// </summary>
public sealed class ApiTransport(ApiHandler handler, IServiceProvider services)
{
    /// <summary>Calls <paramref name="endpoint"/> (e.g. <c>models.get_all_ex</c>) and returns its <c>data</c>.</summary>
    /// <exception cref="ApiException">The API answered with a result code other than 200.</exception>
    public Task<JsonObject> CallAsync(string endpoint, JsonObject? body, AuthenticationHeaderValue authorization, CancellationToken cancellationToken = default) =>
        SendAsync(endpoint, JsonSerializer.SerializeToUtf8Bytes(body ?? [], ClearmlJson.TypeInfo<JsonObject>()), authorization, cancellationToken);

    /// <summary>Calls <paramref name="endpoint"/> with a body already serialized (a wire contract of Cairn.Protocol) and returns its <c>data</c>.</summary>
    /// <exception cref="ApiException">The API answered with a result code other than 200.</exception>
    public async Task<JsonObject> SendAsync(string endpoint, byte[] body, AuthenticationHeaderValue authorization, CancellationToken cancellationToken = default)
    {
        var http = new DefaultHttpContext { RequestServices = services, RequestAborted = cancellationToken };
        var request = http.Request;
        request.Method = HttpMethods.Post;
        request.Scheme = "http";
        request.Host = new HostString("cairn-web");
        request.Path = "/" + endpoint;
        request.Headers.Authorization = authorization.ToString();
        request.ContentType = "application/json";
        request.Body = new MemoryStream(body, writable: false);
        request.ContentLength = body.Length;
        using var responseBody = new MemoryStream();
        http.Response.Body = responseBody;

        await handler(http).ConfigureAwait(false);

        responseBody.Position = 0;
        if (ResponseEnvelope.Read(responseBody) is not { } envelope)
        {
            // Only a refusal outside the envelope (e.g. 415) is not one; pass on its status.
            throw new ApiException(endpoint, responseBody.Length == 0 ? 500 : http.Response.StatusCode, 0,
                responseBody.Length == 0 ? "The API returned an empty response." : Encoding.UTF8.GetString(responseBody.ToArray()));
        }
        var code = envelope.ResultCode(http.Response.StatusCode);
        if (code != 200)
        {
            throw new ApiException(endpoint, code, envelope.Subcode, envelope.Message ?? $"{endpoint} failed with {code}");
        }
        return envelope.Data ?? [];
    }
}
