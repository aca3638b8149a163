using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Cairn.Core.Events;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>
/// Reading the events of an <c>events.add</c> / <c>events.add_batch</c> call into the fields the
/// acceptance rules look at. A json-lines batch is read straight from its UTF-8 bytes: a scalar
/// line as the SDK writes it (flat, known fields, no escapes) goes through one
/// <see cref="Utf8JsonReader"/> pass with no node tree; any other line is parsed into a
/// <see cref="JsonObject"/> exactly as the dispatcher parses a batch, so it gets the same errors.
/// </summary>
public static partial class EventsEndpoints
{
    private static readonly JsonReaderOptions LineReaderOptions = new() { MaxDepth = 64 };

    /// <summary>How an event field was sent. Absent and JSON null read alike, as <c>item[name]</c> does.</summary>
    private enum FieldKind : byte
    {
        Null,
        String,
        Number,
        True,
        False,
        Other,
    }

    /// <summary>
    /// One field of an event: its kind, its string (or, read from an object, its node for error
    /// messages), and for a number whether it reads as an int64 and as a finite double, decided as
    /// <see cref="JsonElement.TryGetInt64"/> and <see cref="JsonElement.TryGetDouble"/> decide.
    /// </summary>
    private readonly record struct Field(FieldKind Kind, object? Ref = null, long Int64 = 0, bool IsInt64 = false, double Double = 0, bool IsDouble = false)
    {
        /// <summary>The string of a String field.</summary>
        public string? Text => Ref as string;

        public static Field Of(JsonNode? node)
        {
            if (node is null)
            {
                return default;
            }
            if (node is not JsonValue value)
            {
                return new Field(FieldKind.Other, node);
            }
            switch (value.GetValueKind())
            {
                case JsonValueKind.String:
                    return new Field(FieldKind.String, value.GetValue<string>());
                case JsonValueKind.Number:
                    var isInt64 = value.TryGetValue(out long int64);
                    var isDouble = value.TryGetValue(out double real);
                    return new Field(FieldKind.Number, node, int64, isInt64, real, isDouble);
                case JsonValueKind.True:
                    return new Field(FieldKind.True, node);
                case JsonValueKind.False:
                    return new Field(FieldKind.False, node);
                default:
                    return new Field(FieldKind.Other, node);
            }
        }

        /// <summary>The number at a reader's current token.</summary>
        public static Field Of(ref Utf8JsonReader reader)
        {
            if (reader.TryGetInt64(out var int64))
            {
                // Parsing an integer's text as a double rounds it as converting the int64 does, so
                // only "-0" (whose double is negative) needs the text.
                var real = int64 == 0 && reader.ValueSpan[0] == (byte)'-' ? -0.0 : int64;
                return new Field(FieldKind.Number, null, int64, true, real, true);
            }
            var isDouble = reader.TryGetDouble(out var value);
            return new Field(FieldKind.Number, null, 0, false, value, isDouble);
        }
    }

    /// <summary>The fields of one event that the acceptance rules read; <see cref="Item"/> is the whole event when it was parsed as an object.</summary>
    private struct EventFields
    {
        public Field ModelEvent, AllowLocked, Model, Type, Task, Iter, Metric, Variant, Value, Timestamp, Ts, XAxisLabel, Key;
        public JsonObject? Item;

        public static EventFields Of(JsonObject item) => new()
        {
            ModelEvent = Field.Of(item["model_event"]),
            AllowLocked = Field.Of(item["allow_locked"]),
            Model = Field.Of(item["model"]),
            Type = Field.Of(item["type"]),
            Task = Field.Of(item["task"]),
            Iter = Field.Of(item["iter"]),
            Metric = Field.Of(item["metric"]),
            Variant = Field.Of(item["variant"]),
            Value = Field.Of(item["value"]),
            Timestamp = Field.Of(item["timestamp"]),
            Ts = Field.Of(item["ts"]),
            XAxisLabel = Field.Of(item["x_axis_label"]),
            Key = Field.Of(item["key"]),
            Item = item,
        };
    }

    /// <summary>
    /// Hands the events of a json-lines body to <paramref name="intake"/> in order; 400/0 naming the
    /// first line that is not a JSON object, wherever it is (so every line is read even after an
    /// event failed the call).
    /// </summary>
    private static void ReadBatch(ReadOnlyMemory<byte> body, EventIntake intake)
    {
        var strings = new Utf8StringCache();
        var rest = body.Span;
        intake.Expect(rest.Count((byte)'\n') + 1);
        var lineNumber = 0;
        while (RequestBody.NextLine(ref rest, ref lineNumber, out var line))
        {
            if (TryReadScalarLine(line, strings, out var fields))
            {
                intake.Add(fields);
            }
            else
            {
                var item = RequestBody.ParseLine(line, lineNumber);
                if (!intake.Failed)
                {
                    intake.Add(EventFields.Of(item));
                }
            }
        }
    }

    /// <summary>
    /// Reads a flat scalar event with only known, unrepeated, unescaped fields and primitive values.
    /// False for anything else (including invalid JSON), which then takes the general path and its
    /// errors, so the outcome for every line is the same as parsing it into an object.
    /// </summary>
    private static bool TryReadScalarLine(ReadOnlySpan<byte> line, Utf8StringCache strings, out EventFields fields)
    {
        fields = default;
        var reader = new Utf8JsonReader(line, LineReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    return false;
                }
                var name = reader.ValueSpan;
                if (!reader.Read())
                {
                    return false;
                }
                Field value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        if (reader.ValueIsEscaped || strings.Get(reader.ValueSpan) is not { } text)
                        {
                            return false;
                        }
                        value = new Field(FieldKind.String, text);
                        break;
                    case JsonTokenType.Number:
                        value = Field.Of(ref reader);
                        break;
                    case JsonTokenType.True:
                        value = new Field(FieldKind.True);
                        break;
                    case JsonTokenType.False:
                        value = new Field(FieldKind.False);
                        break;
                    case JsonTokenType.Null:
                        value = default;
                        break;
                    default:
                        return false;
                }
                var bit = 1 << Set(ref fields, name, value);
                if (bit == 1 << UnknownField || (seen & bit) != 0)
                {
                    return false;
                }
                seen |= bit;
            }
            // The object must be closed and nothing but whitespace may follow it.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return ReferenceEquals(fields.Type.Ref, EventTypes.Scalar)
            && fields.ModelEvent.Kind is FieldKind.Null or FieldKind.True or FieldKind.False
            && fields.AllowLocked.Kind is FieldKind.Null or FieldKind.True or FieldKind.False;
    }

    private const int UnknownField = 31;

    /// <summary>Stores <paramref name="value"/> as the field <paramref name="name"/>; the field's number, or <see cref="UnknownField"/>.</summary>
    private static int Set(ref EventFields fields, ReadOnlySpan<byte> name, Field value)
    {
        switch (name.Length)
        {
            case 2 when name.SequenceEqual("ts"u8): fields.Ts = value; return 0;
            case 3 when name.SequenceEqual("key"u8): fields.Key = value; return 1;
            case 4 when name.SequenceEqual("type"u8): fields.Type = value; return 2;
            case 4 when name.SequenceEqual("task"u8): fields.Task = value; return 3;
            case 4 when name.SequenceEqual("iter"u8): fields.Iter = value; return 4;
            case 5 when name.SequenceEqual("value"u8): fields.Value = value; return 5;
            case 5 when name.SequenceEqual("model"u8): fields.Model = value; return 6;
            case 6 when name.SequenceEqual("metric"u8): fields.Metric = value; return 7;
            case 7 when name.SequenceEqual("variant"u8): fields.Variant = value; return 8;
            case 9 when name.SequenceEqual("timestamp"u8): fields.Timestamp = value; return 9;
            case 11 when name.SequenceEqual("model_event"u8): fields.ModelEvent = value; return 10;
            case 12 when name.SequenceEqual("allow_locked"u8): fields.AllowLocked = value; return 11;
            case 12 when name.SequenceEqual("x_axis_label"u8): fields.XAxisLabel = value; return 12;
            default: return UnknownField;
        }
    }

    /// <summary>
    /// The last few strings read from a batch by their UTF-8 bytes: a batch repeats one task id and
    /// a handful of metric and variant names thousands of times, and each is checked and decoded once.
    /// </summary>
    private sealed class Utf8StringCache
    {
        private const int Size = 16;
        private readonly byte[][] _bytes = new byte[Size][];
        private readonly string[] _strings = new string[Size];
        private int _count;
        private int _next;

        /// <summary>The string of these bytes; null when they are not valid UTF-8.</summary>
        public string? Get(ReadOnlySpan<byte> utf8)
        {
            for (var i = 0; i < _count; i++)
            {
                if (utf8.SequenceEqual(_bytes[i]))
                {
                    return _strings[i];
                }
            }
            if (!Utf8.IsValid(utf8))
            {
                return null;
            }
            var text = utf8.SequenceEqual("training_stats_scalar"u8) ? EventTypes.Scalar : Encoding.UTF8.GetString(utf8);
            _bytes[_next] = utf8.ToArray();
            _strings[_next] = text;
            _next = (_next + 1) % Size;
            _count = Math.Max(_count, _next == 0 ? Size : _next);
            return text;
        }
    }
}
