using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cairn.Web.Api;

/// <summary>Reading API documents leniently: a missing or null field is null, never an exception.</summary>
public static class Json
{
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static DateTimeOffset? Date(JsonNode? node) =>
        String(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;

    public static long Long(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? (value.TryGetValue<long>(out var whole) ? whole : (long)value.GetValue<double>()) : 0;

    public static bool Bool(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(String).OfType<string>()] : [];
}
