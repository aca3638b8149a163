using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cairn.Protocol;

/// <summary>
/// ClearML's JSON conventions: snake_case names, absent values omitted, dictionary keys verbatim,
/// and dates as naive-UTC ISO-8601 with a <c>+00:00</c> suffix.
/// </summary>
public static class ClearmlJson
{
    private const string ReflectionReason =
        "Serializes any type by reflection (the server's answers); trimmed or Native AOT code uses ClearmlJsonContext.";

    private static JsonSerializerOptions? s_options;

    /// <summary>
    /// The conventions for any type, by reflection (for the server, which is not trimmed). Trimmed
    /// and Native AOT code uses <see cref="ClearmlJsonContext.Default"/> instead.
    /// </summary>
    public static JsonSerializerOptions Options
    {
        [RequiresUnreferencedCode(ReflectionReason)]
        [RequiresDynamicCode(ReflectionReason)]
        get => s_options ??= CreateOptions();
    }

    [RequiresUnreferencedCode(ReflectionReason)]
    [RequiresDynamicCode(ReflectionReason)]
    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new ClearmlDateTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// The conventions for the wire contracts of <see cref="Services"/>, source-generated:
    /// trimming- and Native AOT-safe. Combine its <see cref="JsonSerializerOptions.TypeInfoResolver"/>
    /// with a context of your own for other types.
    /// </summary>
    public static JsonSerializerOptions Contracts => ClearmlJsonContext.Default.Options;

    /// <summary>The source-generated contract of <typeparamref name="T"/> (a type of <see cref="Services"/>, or a JSON node).</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the wire contracts.</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() =>
        (JsonTypeInfo<T>?)ClearmlJsonContext.Default.GetTypeInfo(typeof(T))
        ?? throw new NotSupportedException($"{typeof(T).Name} is not one of ClearML's wire contracts in Cairn.Protocol.");

    /// <summary>Formats a time as ClearML does: <c>2025-01-05T10:11:12.345000+00:00</c>, fraction only when non-zero.</summary>
    public static string FormatDate(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var format = utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.ffffff";
        return utc.ToString(format, CultureInfo.InvariantCulture) + "+00:00";
    }
}

/// <summary>Reads any ISO-8601 time (naive times are UTC) and writes ClearML's format.</summary>
public sealed class ClearmlDateTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }
        throw new JsonException($"'{text}' is not an ISO-8601 date.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(ClearmlJson.FormatDate(value));
}
