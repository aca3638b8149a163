using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cairn.Protocol.Services;

/// <summary>
/// A model's <c>metadata</c> map (stored key → item). Servers before API 2.13 answer an empty
/// list for it, which reads as an empty map.
/// </summary>
internal sealed class MetadataMapConverter : JsonConverter<IReadOnlyDictionary<string, MetadataItemDto?>>
{
    public override IReadOnlyDictionary<string, MetadataItemDto?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Skip();
            return new Dictionary<string, MetadataItemDto?>(StringComparer.Ordinal);
        }
        return JsonSerializer.Deserialize(ref reader, Map(options));
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, MetadataItemDto?> value, JsonSerializerOptions options)
    {
        var map = value as Dictionary<string, MetadataItemDto?> ?? new Dictionary<string, MetadataItemDto?>(value, StringComparer.Ordinal);
        JsonSerializer.Serialize(writer, map, Map(options));
    }

    private static JsonTypeInfo<Dictionary<string, MetadataItemDto?>> Map(JsonSerializerOptions options) =>
        (JsonTypeInfo<Dictionary<string, MetadataItemDto?>>)options.GetTypeInfo(typeof(Dictionary<string, MetadataItemDto>));
}
