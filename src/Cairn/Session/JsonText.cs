using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Artifacts;
using Cairn.Protocol;

namespace Cairn;

/// <summary>
/// The SDK's JSON writing and reading, trimming- and Native AOT-safe: JSON nodes are written as they
/// are, the wire contracts of <c>Cairn.Protocol</c> through its source-generated context, and any
/// other type by reflection only where reflection is enabled (it is not in a Native AOT or trimmed
/// app, which gets a clear <see cref="NotSupportedException"/> naming the type instead).
/// </summary>
internal static class JsonText
{
    private const string ReflectionReason = "Serializes a caller's own type by reflection; guarded by JsonSerializer.IsReflectionEnabledByDefault.";

    /// <summary>The SDK's own JSON spelling of <c>dict</c> artifacts (camelCase, indented, read case-insensitively).</summary>
    private static readonly JsonWriterOptions IndentedWriter = new() { Indented = true };

    /// <summary>A node's compact UTF-8 JSON, as <see cref="JsonSerializer"/> writes it with default options.</summary>
    public static byte[] ToUtf8(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }
        return buffer.ToArray();
    }

    /// <summary>A request body with ClearML's conventions: a wire contract of Cairn.Protocol, or (with reflection) any type.</summary>
    public static byte[] SerializeToUtf8(object body)
    {
        if (ClearmlJson.Contracts.TryGetTypeInfo(body.GetType(), out var info))
        {
            return JsonSerializer.SerializeToUtf8Bytes(body, info);
        }
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw NotSupported(body.GetType());
        }
        return SerializeByReflection(body);
    }

    /// <summary>Reads <paramref name="data"/> as <typeparamref name="T"/>: a JSON node, a wire contract, or (with reflection) any type.</summary>
    public static T? Deserialize<T>(JsonObject data)
    {
        if (data is T node)
        {
            return node;
        }
        if (ClearmlJson.Contracts.TryGetTypeInfo(typeof(T), out var info))
        {
            return (T?)data.Deserialize(info);
        }
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw NotSupported(typeof(T));
        }
        return DeserializeByReflection<T>(data);
    }

    /// <summary>Writes a <c>dict</c> artifact: a JSON node as it is, other values (with reflection) in camelCase.</summary>
    public static async Task WriteArtifactAsync(Stream output, object value, CancellationToken cancellationToken)
    {
        var node = value is JsonNode given ? given : ToNode(value, reflectionFallback: true);
        await using var writer = new Utf8JsonWriter(output, IndentedWriter);
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a <c>dict</c> artifact as <typeparamref name="T"/>: a JSON node always, other types with reflection.</summary>
    public static async Task<T?> ReadArtifactAsync<T>(Stream input, CancellationToken cancellationToken)
    {
        if (typeof(T).IsAssignableFrom(typeof(JsonObject)) || typeof(T).IsAssignableFrom(typeof(JsonArray)) || typeof(T) == typeof(JsonNode))
        {
            var node = await JsonNode.ParseAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false);
            return node is T typed ? typed : throw new JsonException($"the artifact's JSON is not a {typeof(T).Name}");
        }
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw NotSupported(typeof(T));
        }
        return await ReadByReflectionAsync<T>(input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A value as a JSON node, as Python's <c>json.dumps</c> sees it: nodes, strings, booleans,
    /// numbers, dictionaries (keys as strings) and sequences; other values by reflection when
    /// <paramref name="reflectionFallback"/> and reflection is enabled, else their invariant text.
    /// </summary>
    public static JsonNode? ToNode(object? value, bool reflectionFallback = false) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        char c => JsonValue.Create(c.ToString()),
        int or long or short or byte or sbyte or uint or ushort => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        float f => JsonValue.Create(f),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        IDictionary dictionary => DictionaryNode(dictionary, reflectionFallback),
        IEnumerable sequence => SequenceNode(sequence, reflectionFallback),
        _ when reflectionFallback && JsonSerializer.IsReflectionEnabledByDefault => NodeByReflection(value),
        _ when reflectionFallback => throw NotSupported(value.GetType()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static JsonObject DictionaryNode(IDictionary dictionary, bool reflectionFallback)
    {
        var result = new JsonObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = ToNode(entry.Value, reflectionFallback);
        }
        return result;
    }

    private static JsonArray SequenceNode(IEnumerable sequence, bool reflectionFallback)
    {
        var result = new JsonArray();
        foreach (var item in sequence)
        {
            result.Add(ToNode(item, reflectionFallback));
        }
        return result;
    }

    private static NotSupportedException NotSupported(Type type) => new(
        $"{type.Name} is not one of ClearML's wire contracts and reflection-based JSON is disabled (a trimmed or Native AOT app): "
        + "pass a JsonNode (JsonObject, JsonArray) instead.");

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionReason)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionReason)]
    private static byte[] SerializeByReflection(object body) =>
        JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ClearmlJson.Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionReason)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionReason)]
    private static T? DeserializeByReflection<T>(JsonObject data) => data.Deserialize<T>(ClearmlJson.Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionReason)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionReason)]
    private static JsonNode? NodeByReflection(object value) =>
        JsonSerializer.SerializeToNode(value, value.GetType(), ArtifactPayload.JsonOptions);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionReason)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionReason)]
    private static ValueTask<T?> ReadByReflectionAsync<T>(Stream input, CancellationToken cancellationToken) =>
        JsonSerializer.DeserializeAsync<T>(input, ArtifactPayload.JsonOptions, cancellationToken);
}
