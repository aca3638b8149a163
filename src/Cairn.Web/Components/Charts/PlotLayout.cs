using System.Text.Json.Nodes;

namespace Cairn.Web.Components.Charts;

/// <summary>
/// Adapts a figure the ClearML SDK reported to the plotly.js 3 that draws it: the SDK writes titles
/// as bare strings (plotly.js 3 reads only <c>{text}</c> and drops the rest), and its confusion matrix
/// asks for a colour-bar tick every 0.1 whatever the counts are.
/// </summary>
public static class PlotLayout
{
    /// <summary>A colour bar with more ticks than this is unreadable; plotly.js then picks its own.</summary>
    private const int MaxColorBarTicks = 20;

    public static void Normalise(JsonObject layout, JsonArray data)
    {
        WrapTitle(layout);
        foreach (var (key, value) in layout.ToList())
        {
            if (value is JsonObject axis && IsAxis(key))
            {
                WrapTitle(axis);
                // Class names on a confusion matrix are longer than the default margin.
                axis["automargin"] ??= true;
            }
            else if (value is JsonObject scene && key.StartsWith("scene", StringComparison.Ordinal))
            {
                foreach (var (sceneKey, sceneAxis) in scene.ToList())
                {
                    if (sceneAxis is JsonObject inner && IsAxis(sceneKey))
                    {
                        WrapTitle(inner);
                    }
                }
            }
        }
        foreach (var trace in data.OfType<JsonObject>())
        {
            if (trace["colorbar"] is JsonObject colorBar)
            {
                WrapTitle(colorBar);
                DropDenseTicks(colorBar, trace["z"]);
            }
        }
    }

    private static bool IsAxis(string key) =>
        (key.StartsWith("xaxis", StringComparison.Ordinal) || key.StartsWith("yaxis", StringComparison.Ordinal) || key.StartsWith("zaxis", StringComparison.Ordinal))
        && key[5..].All(char.IsAsciiDigit);

    private static void WrapTitle(JsonObject owner)
    {
        if (owner["title"] is JsonValue title)
        {
            owner["title"] = new JsonObject { ["text"] = title.ToString() };
        }
    }

    private static void DropDenseTicks(JsonObject colorBar, JsonNode? z)
    {
        if (colorBar["dtick"] is not JsonValue dtickValue || !dtickValue.TryGetValue(out double dtick) || dtick <= 0)
        {
            return;
        }
        var values = Flatten(z).ToList();
        if (values.Count == 0)
        {
            return;
        }
        if ((values.Max() - values.Min()) / dtick > MaxColorBarTicks)
        {
            colorBar.Remove("dtick");
            colorBar.Remove("tick0");
        }
    }

    private static IEnumerable<double> Flatten(JsonNode? node) => node switch
    {
        JsonArray array => array.SelectMany(Flatten),
        JsonValue value when value.TryGetValue(out double number) => [number],
        _ => [],
    };
}
