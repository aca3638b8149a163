using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

/// <summary>
/// One event of <c>events.add_batch</c> (a line of its JSON-lines body): a scalar
/// (<c>training_stats_scalar</c>: <see cref="Value"/>) or a plot (<c>plot</c>: <see cref="PlotStr"/>)
/// of a task, or of a model with <see cref="ModelEvent"/>.
/// </summary>
public sealed record ReportEventDto
{
    /// <summary>Milliseconds since the epoch.</summary>
    public long? Timestamp { get; init; }

    /// <summary><c>training_stats_scalar</c>, <c>plot</c>, <c>log</c>, <c>training_debug_image</c>…</summary>
    public string? Type { get; init; }

    /// <summary>The task's id, or the model's with <see cref="ModelEvent"/>.</summary>
    public string? Task { get; init; }

    public long? Iter { get; init; }

    /// <summary>The title.</summary>
    public string? Metric { get; init; }

    /// <summary>The series.</summary>
    public string? Variant { get; init; }

    /// <summary>A scalar's value; NaN and infinities travel as Python writes them (<c>"nan"</c>, <c>"inf"</c>, <c>"-inf"</c>).</summary>
    [JsonConverter(typeof(PythonFloatConverter))]
    public double? Value { get; init; }

    /// <summary>A plot's Plotly figure as JSON text.</summary>
    public string? PlotStr { get; init; }

    /// <summary>Store the event even when the task is not running (false: ClearML's default).</summary>
    public bool? AllowLocked { get; init; }

    /// <summary>The event is a model's (2.25).</summary>
    public bool? ModelEvent { get; init; }
}

/// <summary><c>events.add_batch</c>: how many events were stored and refused, and why (error → count; open-ended).</summary>
public sealed record AddBatchResponse(int Added, int Errors = 0, JsonObject? ErrorsInfo = null);

/// <summary>
/// A float as Python's <c>json</c> module writes it: NaN and infinities as the strings
/// <c>"nan"</c>, <c>"inf"</c> and <c>"-inf"</c> (JSON has no literal for them); read back from those
/// spellings, .NET's (<c>"NaN"</c>, <c>"Infinity"</c>) or a number.
/// </summary>
internal sealed class PythonFloatConverter : JsonConverter<double?>
{
    public override double? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case System.Text.Json.JsonTokenType.Null:
                return null;
            case System.Text.Json.JsonTokenType.Number:
                return reader.GetDouble();
            case System.Text.Json.JsonTokenType.String:
                var text = reader.GetString();
                return text?.ToLowerInvariant() switch
                {
                    "nan" => double.NaN,
                    "inf" or "infinity" => double.PositiveInfinity,
                    "-inf" or "-infinity" => double.NegativeInfinity,
                    _ => double.Parse(text!, System.Globalization.CultureInfo.InvariantCulture),
                };
            default:
                throw new System.Text.Json.JsonException($"A {reader.TokenType} is not a number.");
        }
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, double? value, System.Text.Json.JsonSerializerOptions options)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case double.NaN:
                writer.WriteStringValue("nan");
                break;
            case double.PositiveInfinity:
                writer.WriteStringValue("inf");
                break;
            case double.NegativeInfinity:
                writer.WriteStringValue("-inf");
                break;
            default:
                writer.WriteNumberValue(value.Value);
                break;
        }
    }
}
