using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn.Protocol;

/// <summary>
/// ClearML's response envelope <c>{meta: {result_code, result_subcode, result_msg, trx}, data}</c>
/// as a caller reads it: the one reader the SDK, the web UI and tests share.
/// </summary>
/// <param name="Code">The <c>result_code</c>; null when the envelope carries none (then the HTTP status stands).</param>
/// <param name="Subcode">The <c>result_subcode</c>; 0 when absent.</param>
/// <param name="Message">The <c>result_msg</c>.</param>
/// <param name="Trx">The transaction id (<c>trx</c>) the server logged the call under.</param>
/// <param name="Data">The <c>data</c> object; null when absent or not an object.</param>
public sealed record ResponseEnvelope(int? Code, int Subcode, string? Message, string? Trx, JsonObject? Data)
{
    /// <summary>The call's result: the envelope's <c>result_code</c>, else the HTTP <paramref name="status"/>.</summary>
    public int ResultCode(int status) => Code ?? status;

    /// <summary>Whether the call succeeded: a 2xx result code (or none, on a 2xx <paramref name="status"/>).</summary>
    public bool IsSuccess(int status) => ResultCode(status) is >= 200 and < 300 && status is >= 200 and < 300;

    /// <summary>Reads an envelope from a buffered body; null when it is empty or not an envelope (a proxy's HTML page, say).</summary>
    public static ResponseEnvelope? Read(Stream body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonNode? root;
        try
        {
            if (body.CanSeek && body.Length - body.Position == 0)
            {
                return null;
            }
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
        return From(root);
    }

    /// <summary>Reads an envelope from a body's bytes; null when they are empty or not an envelope.</summary>
    public static ResponseEnvelope? Read(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }
        try
        {
            return From(JsonNode.Parse(body));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ResponseEnvelope? From(JsonNode? root)
    {
        if (root is not JsonObject envelope || envelope["meta"] is not JsonObject meta)
        {
            return null;
        }
        var data = envelope["data"] as JsonObject;
        if (data is not null)
        {
            // Detached, so the caller may keep or re-parent it.
            envelope.Remove("data");
        }
        return new ResponseEnvelope(Int(meta["result_code"]), Int(meta["result_subcode"]) ?? 0, Text(meta["result_msg"]), Text(meta["trx"]), data);
    }

    private static int? Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
