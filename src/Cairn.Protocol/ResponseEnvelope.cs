using System.Text.Json;

namespace Cairn.Protocol;

/// <summary>The <c>endpoint</c> part of a response's meta. Versions are strings (floats below 2.1).</summary>
public sealed record EndpointMeta(string Name, JsonElement? RequestedVersion, JsonElement? ActualVersion);

/// <summary>The <c>meta</c> part of every response; HTTP status equals <see cref="ResultCode"/>.</summary>
public sealed record ResponseMeta(
    string Id,
    string Trx,
    EndpointMeta Endpoint,
    int ResultCode,
    int ResultSubcode,
    string ResultMsg,
    string? ErrorStack,
    JsonElement? ErrorData);

/// <summary>A whole response: <c>{"meta": {...}, "data": {...}}</c>.</summary>
public sealed record ResponseEnvelope(ResponseMeta Meta, JsonElement Data);
