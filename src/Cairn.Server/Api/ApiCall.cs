using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Identity;
using Cairn.Protocol;
using Cairn.Server.Auth;

namespace Cairn.Server.Api;

/// <summary>One API call: who made it, which version it asked for, and its request data.</summary>
public sealed class ApiCall
{
    internal ApiCall(HttpContext http, ApiEndpoint endpoint, ApiVersion requestedVersion, Authentication? authentication, JsonObject body, IReadOnlyList<JsonObject>? batch, ReadOnlyMemory<byte>? batchBytes = null)
    {
        Http = http;
        Endpoint = endpoint;
        RequestedVersion = requestedVersion;
        Authentication = authentication;
        Body = body;
        Batch = batch;
        BatchBytes = batchBytes;
    }

    public HttpContext Http { get; }

    public ApiEndpoint Endpoint { get; }

    /// <summary>The version in the path, or the server maximum when the path has none.</summary>
    public ApiVersion RequestedVersion { get; }

    /// <summary>How the caller authenticated; null on endpoints that need no credentials.</summary>
    public Authentication? Authentication { get; }

    /// <summary>The caller; only valid on endpoints that require credentials.</summary>
    public CallerIdentity Identity => Authentication?.Identity
        ?? throw new InvalidOperationException($"{Endpoint.Name} is registered without authentication.");

    /// <summary>The request object, with query-string fields merged in.</summary>
    public JsonObject Body { get; }

    /// <summary>The items of an <c>application/json-lines</c> body; null for a plain JSON body.</summary>
    public IReadOnlyList<JsonObject>? Batch { get; }

    /// <summary>
    /// The unparsed <c>application/json-lines</c> body, for an endpoint registered with
    /// <see cref="ApiEndpoint.RawBatch"/> (then <see cref="Batch"/> is null); null otherwise.
    /// </summary>
    public ReadOnlyMemory<byte>? BatchBytes { get; }

    public CancellationToken Aborted => Http.RequestAborted;

    public T Service<T>() where T : notnull => Http.RequestServices.GetRequiredService<T>();

    /// <summary>
    /// Reads the body as a typed request. Unknown fields are ignored; a field of the wrong JSON
    /// type is 400/12 naming the field.
    /// </summary>
    public T Read<T>() where T : new()
    {
        try
        {
            return Body.Deserialize<T>(ClearmlJson.Options) ?? new T();
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "request";
            throw CairnException.Validation($"field '{field}' has a value of the wrong type: {TrimSerializerMessage(e.Message)}");
        }
    }

    /// <summary>Whether the request carries <paramref name="field"/> at all (even as null).</summary>
    public bool Has(string field) => Body.ContainsKey(field);

    private static string TrimSerializerMessage(string message)
    {
        // System.Text.Json appends "Path: $.x | LineNumber: 0 | ..." which repeats what we say.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
