using System.Globalization;
using System.Text.Json.Nodes;

namespace Cairn.Reporting;

/// <summary>Small JSON helpers for the Plotly builders: numbers as ClearML writes them, and dictionary merging.</summary>
internal static class PlotlyJson
{
    /// <summary>A number; NaN and infinities become the strings ClearML sends (<c>"nan"</c>, <c>"inf"</c>, <c>"-inf"</c>) since JSON has none.</summary>
    public static JsonNode Number(double value) =>
        double.IsNaN(value) ? JsonValue.Create("nan")
        : double.IsPositiveInfinity(value) ? JsonValue.Create("inf")
        : double.IsNegativeInfinity(value) ? JsonValue.Create("-inf")
        : JsonValue.Create(value);

    public static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(Number)]);

    public static JsonArray Matrix(IReadOnlyList<IReadOnlyList<double>> rows) => new([.. rows.Select(r => (JsonNode)Numbers(r))]);

    public static JsonArray? Strings(IReadOnlyList<string>? values) => values is null ? null : new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    public static JsonArray Range(int count) => new([.. Enumerable.Range(0, count).Select(i => (JsonNode)JsonValue.Create(i))]);

    /// <summary><c>title</c>, with the comment under it as ClearML writes it.</summary>
    public static string? Title(string? title, string? comment) =>
        string.IsNullOrEmpty(comment) ? title : $"{title}<br><sup>{comment}</sup>";

    /// <summary>ClearML's <c>merge_dicts</c>: objects merge recursively, anything else in <paramref name="extra"/> replaces.</summary>
    public static JsonObject Merge(JsonObject target, JsonObject? extra)
    {
        if (extra is null)
        {
            return target;
        }
        foreach (var (key, value) in extra)
        {
            if (value is JsonObject nested && target[key] is JsonObject existing)
            {
                Merge(existing, nested);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
        return target;
    }

    /// <summary>ClearML's default heat-map colours (<c>_get_z_colorbar_data</c>).</summary>
    public static (JsonArray Scale, JsonObject Bar) ColorScale()
    {
        double[] values = [0, 0.1, 0.2, 0.6, 0.9, 1.0];
        (int R, int G, int B)[] colors = [(71, 17, 100), (53, 92, 140), (37, 139, 141), (66, 189, 112), (141, 314, 68), (221, 226, 24)];
        var scale = new JsonArray([.. values.Zip(colors, (v, c) => (JsonNode)new JsonArray(
            JsonValue.Create(v), JsonValue.Create(string.Create(CultureInfo.InvariantCulture, $"rgb({c.R}, {c.G}, {c.B})"))))]);
        var bar = new JsonObject { ["tick0"] = 0, ["tickmode"] = "array", ["tickvals"] = Numbers(values.Skip(1)) };
        return (scale, bar);
    }
}
