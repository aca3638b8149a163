using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn.Session;

/// <summary>ClearML's response envelope <c>{meta: {result_code, result_subcode, result_msg, trx}, data}</c>.</summary>
internal sealed record Envelope(int? Code, int Subcode, string? Message, string? Trx, JsonObject? Data)
{
    /// <summary>Reads a buffered response; null when the body is not an envelope (a proxy's HTML page, say).</summary>
    public static Envelope? Read(HttpResponseMessage response)
    {
        JsonNode? root;
        try
        {
            // The content is already buffered (ResponseContentRead), so parsing it synchronously does no I/O.
            using var stream = response.Content.ReadAsStream();
            if (stream.Length == 0)
            {
                return null;
            }
            root = JsonNode.Parse(stream);
        }
        catch (JsonException)
        {
            return null;
        }
        if (root is not JsonObject envelope || envelope["meta"] is not JsonObject meta)
        {
            return null;
        }
        var data = envelope["data"] as JsonObject;
        if (data is not null)
        {
            envelope.Remove("data");
        }
        return new Envelope(Int(meta["result_code"]), Int(meta["result_subcode"]) ?? 0, Text(meta["result_msg"]), Text(meta["trx"]), data);
    }

    /// <summary>The data of a successful answer; anything else becomes the request exception.</summary>
    public static JsonObject DataOrThrow(string endpoint, int status, Envelope? envelope)
    {
        if (envelope is null)
        {
            throw new ClearMLRequestException(endpoint, status, 0,
                status == 200 ? "the answer is not a ClearML envelope" : $"HTTP {status} without a ClearML envelope", null);
        }
        var code = envelope.Code ?? status;
        if (status is >= 200 and < 300 && code is >= 200 and < 300)
        {
            return envelope.Data ?? [];
        }
        throw new ClearMLRequestException(endpoint, code, envelope.Subcode, envelope.Message, envelope.Trx);
    }

    private static int? Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
