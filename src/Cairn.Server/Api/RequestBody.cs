using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Server.Api;

/// <summary>Reads a request's data the way ClearML does: JSON body (any method), query-string merge, json-lines batches.</summary>
internal static class RequestBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>
    /// The most levels a dotted query-string key may nest. The body is later serialized with a
    /// depth limit of 64, so a deeper key would fail there as a 500; no ClearML call nests more
    /// than a few levels.
    /// </summary>
    public const int MaxQueryKeyDepth = 32;

    /// <summary>
    /// The request object and, for a json-lines body, its items: parsed, or (when
    /// <paramref name="rawBatch"/>) left as bytes for the endpoint to read with <see cref="NextLine"/> and <see cref="ParseLine"/>.
    /// </summary>
    public static async Task<(JsonObject Body, IReadOnlyList<JsonObject>? Batch, ReadOnlyMemory<byte>? BatchBytes)> ReadAsync(
        HttpRequest request, long limit, bool rawBatch, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(request, limit, cancellationToken).ConfigureAwait(false);
        var isBatch = request.ContentType?.StartsWith(ClearmlHeaders.JsonLines, StringComparison.OrdinalIgnoreCase) == true;

        JsonObject body;
        IReadOnlyList<JsonObject>? batch = null;
        ReadOnlyMemory<byte>? batchBytes = null;
        if (isBatch && rawBatch)
        {
            body = [];
            batchBytes = bytes;
        }
        else if (isBatch)
        {
            body = [];
            batch = ParseLines(bytes);
        }
        else
        {
            body = ParseObject(bytes);
        }
        MergeQuery(body, request.Query);
        return (body, batch, batchBytes);
    }

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        // Kestrel enforces the limit too, as the body streams in, for requests without a length.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        try
        {
            // With a declared length the body is read straight into an array of that size: a
            // json-lines batch is megabytes, and growing and copying a stream doubles the work.
            if (request.ContentLength is { } length and > 0 and <= int.MaxValue)
            {
                var bytes = GC.AllocateUninitializedArray<byte>((int)length);
                await request.Body.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                return bytes;
            }
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (EndOfStreamException e)
        {
            throw new CairnException(ErrorCodes.MalformedRequest, text: $"The request body could not be read: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }
        catch (BadHttpRequestException e)
        {
            // A truncated or malformed body (often a client that went away mid-request) is the
            // client's problem, not a server error.
            throw new CairnException(ErrorCodes.MalformedRequest, text: $"The request body could not be read: {e.Message}");
        }
    }

    private static CairnException TooLarge(long limit) =>
        new(ErrorCodes.RequestTooLarge, $"the limit is {limit} bytes; set Cairn:MaxRequestBodyBytes to raise it");

    private static JsonObject ParseObject(ReadOnlySpan<byte> bytes)
    {
        if (IsBlank(bytes))
        {
            return [];
        }
        var node = Parse(bytes, lineNumber: null);
        return node as JsonObject
            ?? throw new CairnException(ErrorCodes.MalformedRequest,
                text: $"Request body must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}");
    }

    private static List<JsonObject> ParseLines(byte[] bytes)
    {
        var items = new List<JsonObject>();
        var lineNumber = 0;
        // Lines are parsed straight from the UTF-8 bytes: a 10,000-event batch is megabytes, and
        // decoding it to a string and splitting that would copy it twice more.
        ReadOnlySpan<byte> rest = bytes;
        while (NextLine(ref rest, ref lineNumber, out var line))
        {
            items.Add(ParseLine(line, lineNumber));
        }
        return items;
    }

    /// <summary>
    /// The next non-blank line of a json-lines body, trimmed; <paramref name="lineNumber"/> counts
    /// blank lines too. False at the end of the body.
    /// </summary>
    internal static bool NextLine(ref ReadOnlySpan<byte> rest, ref int lineNumber, out ReadOnlySpan<byte> line)
    {
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            line = (end < 0 ? rest : rest[..end]).Trim(" \t\r"u8);
            rest = end < 0 ? [] : rest[(end + 1)..];
            lineNumber++;
            if (!line.IsEmpty)
            {
                return true;
            }
        }
        line = default;
        return false;
    }

    /// <summary>One line of a json-lines body as an object; 400/0 naming the line when it is not valid JSON or not an object.</summary>
    internal static JsonObject ParseLine(ReadOnlySpan<byte> line, int lineNumber) =>
        Parse(line, lineNumber) as JsonObject
            ?? throw new CairnException(ErrorCodes.MalformedRequest, text: $"The batch's line {lineNumber} is not a JSON object");

    /// <summary>Parses a body (or, with <paramref name="lineNumber"/>, one line of a batch); 400/0 saying where when it is not valid JSON.</summary>
    private static JsonNode? Parse(ReadOnlySpan<byte> json, int? lineNumber)
    {
        try
        {
            var node = JsonNode.Parse(json, documentOptions: DocumentOptions);
            EnsureValidStrings(node);
            return node;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            var where = lineNumber is { } line ? $"on line {line} of the batch" : "in request body";
            throw new CairnException(ErrorCodes.MalformedRequest, text: $"Invalid JSON {where}: {e.Message}");
        }
    }

    /// <summary>
    /// Rejects strings that are not valid text (an escaped lone surrogate such as <c>"\ud800"</c>),
    /// which the parser accepts but nothing downstream can read or write.
    /// </summary>
    private static void EnsureValidStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    EnsureValidText(key);
                    EnsureValidStrings(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    EnsureValidStrings(item);
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    EnsureValidText(value.GetValue<string>());
                }
                catch (InvalidOperationException e)
                {
                    throw new JsonException(e.Message, e);
                }
                break;
        }
    }

    private static void EnsureValidText(string text)
    {
        try
        {
            _ = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new JsonException("a string holds an unpaired surrogate (invalid UTF-16)");
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    /// <summary>
    /// Merges query-string fields into the body with ClearML's coercion: digit strings become ints
    /// (floats with one '.'), true/false become booleans, a repeated key or a key ending in "[]"
    /// becomes a list, and dotted keys become nested objects.
    /// </summary>
    private static void MergeQuery(JsonObject body, IQueryCollection query)
    {
        foreach (var (rawKey, values) in query)
        {
            var isList = rawKey.EndsWith("[]", StringComparison.Ordinal) || values.Count > 1;
            var key = rawKey.EndsWith("[]", StringComparison.Ordinal) ? rawKey[..^2] : rawKey;
            JsonNode? value = isList
                ? new JsonArray(values.Select(v => Coerce(v ?? "")).ToArray())
                : Coerce(values.ToString());

            var target = body;
            var parts = key.Split('.');
            if (parts.Length > MaxQueryKeyDepth)
            {
                throw new CairnException(ErrorCodes.MalformedRequest,
                    text: $"Query-string key '{Shorten(rawKey)}' is nested {parts.Length} levels deep; at most {MaxQueryKeyDepth} are allowed");
            }
            foreach (var part in parts[..^1])
            {
                if (target[part] is not JsonObject next)
                {
                    next = [];
                    target[part] = next;
                }
                target = next;
            }
            target[parts[^1]] = value;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    private static JsonNode? Coerce(string value)
    {
        // Numbers are parsed as JSON, so they read back like numbers from a JSON body.
        if (value.Length > 0 && !value.AsSpan().ContainsAnyExcept(Digits)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return JsonNode.Parse(value.TrimStart('0') is { Length: > 0 } digits ? digits : "0");
        }
        if (value.Count(c => c == '.') == 1 && value.Length > 1
            && !value.Replace(".", "", StringComparison.Ordinal).AsSpan().ContainsAnyExcept(Digits)
            && double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture));
        }
        return value switch
        {
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ => JsonValue.Create(value),
        };
    }
}
