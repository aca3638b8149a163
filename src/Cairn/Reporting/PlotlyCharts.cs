using System.Globalization;
using System.Text.Json.Nodes;

namespace Cairn.Reporting;

/// <summary>
/// Plotly figures in the shapes ClearML's Python SDK produces (<c>clearml/utilities/plotly_reporter.py</c>),
/// so the ClearML web UI draws them the same way.
/// </summary>
internal static class PlotlyCharts
{
    private static readonly string[] HistogramModes = ["group", "stack", "relative"];

    /// <summary><c>create_2d_histogram_plot</c>: one bar trace per row.</summary>
    public static JsonObject Histogram(IReadOnlyList<IReadOnlyList<double>> rows, string title, string series, IReadOnlyList<string>? labels,
        IReadOnlyList<string>? xlabels, string? xaxis, string? yaxis, string mode, JsonObject? dataArgs, JsonObject? extraLayout)
    {
        if (!HistogramModes.Contains(mode))
        {
            throw new ArgumentException($"mode must be one of group, stack or relative, not '{mode}'.", nameof(mode));
        }
        if (rows.Count == 0)
        {
            throw new ArgumentException("values has no rows.", nameof(rows));
        }
        var useSeries = labels is { Count: > 0 };
        IReadOnlyList<string?> names;
        if (labels is not null && xlabels is null)
        {
            if (labels.Count != rows.Count)
            {
                throw new ArgumentException($"labels has {labels.Count} entries for {rows.Count} rows: give one label per row.", nameof(labels));
            }
            names = labels;
        }
        else if (xlabels is null)
        {
            names = [.. Enumerable.Repeat(series, rows.Count)];
        }
        else
        {
            if (xlabels.Count != rows[0].Count)
            {
                throw new ArgumentException($"xlabels has {xlabels.Count} entries for {rows[0].Count} columns.", nameof(xlabels));
            }
            names = labels is { Count: 1 } ? [.. Enumerable.Repeat(labels[0], rows.Count)] : labels is { Count: > 0 } ? labels : [series];
        }
        var data = new JsonArray();
        for (var i = 0; i < rows.Count; i++)
        {
            var trace = new JsonObject
            {
                ["name"] = i < names.Count ? names[i] : null,
                ["y"] = PlotlyJson.Numbers(rows[i]),
                ["x"] = xlabels is null ? PlotlyJson.Range(rows[i].Count) : PlotlyJson.Strings(xlabels),
                ["type"] = "bar",
            };
            data.Add((JsonNode)PlotlyJson.Merge(trace, dataArgs));
        }
        var layout = new JsonObject
        {
            ["title"] = useSeries ? series : title,
            ["xaxis"] = new JsonObject { ["title"] = xaxis },
            ["yaxis"] = new JsonObject { ["title"] = yaxis },
            ["barmode"] = mode,
            ["bargap"] = 0.08,
            ["bargroupgap"] = 0,
        };
        return new JsonObject { ["data"] = data, ["layout"] = PlotlyJson.Merge(layout, extraLayout) };
    }

    /// <summary><c>create_line_plot</c>: one scatter trace per series (also used for 2D scatters).</summary>
    public static JsonObject Lines(string title, IReadOnlyList<SeriesInfo> series, string? xaxis, string? yaxis, string mode, bool reverseXAxis, string? comment, JsonObject? extraLayout)
    {
        var layout = ScatterLayout(PlotlyJson.Title(title, comment), xaxis, yaxis);
        if (reverseXAxis)
        {
            layout["xaxis"]!["autorange"] = "reversed";
        }
        var data = new JsonArray();
        foreach (var line in series)
        {
            if (line.Labels is not null && line.Labels.Count != line.Data.Count)
            {
                throw new ArgumentException($"The series '{line.Name}' has {line.Labels.Count} labels for {line.Data.Count} points.", nameof(series));
            }
            data.Add((JsonNode)new JsonObject
            {
                ["name"] = line.Name,
                ["x"] = PlotlyJson.Numbers(line.Data.Select(p => p.X)),
                ["y"] = PlotlyJson.Numbers(line.Data.Select(p => p.Y)),
                ["mode"] = mode,
                ["text"] = PlotlyJson.Strings(line.Labels),
                ["type"] = "scatter",
            });
        }
        return new JsonObject { ["data"] = data, ["layout"] = PlotlyJson.Merge(layout, extraLayout) };
    }

    /// <summary><c>plotly_scatter3d_layout_dict</c> + <c>create_3d_scatter_series</c>.</summary>
    public static JsonObject Scatter3D(string title, string? traceName, IReadOnlyList<(double X, double Y, double Z)> points, string? xaxis, string? yaxis, string? zaxis,
        IReadOnlyList<string>? labels, string mode, string? comment, JsonObject? extraLayout)
    {
        var layout = new JsonObject
        {
            ["showlegend"] = true,
            ["title"] = PlotlyJson.Title(title, comment),
            ["scene"] = new JsonObject
            {
                ["xaxis"] = new JsonObject { ["title"] = xaxis },
                ["yaxis"] = new JsonObject { ["title"] = yaxis },
                ["zaxis"] = new JsonObject { ["title"] = zaxis },
            },
            ["name"] = null,
        };
        var trace = new JsonObject
        {
            ["name"] = traceName,
            ["x"] = PlotlyJson.Numbers(points.Select(p => p.X)),
            ["y"] = PlotlyJson.Numbers(points.Select(p => p.Y)),
            ["z"] = PlotlyJson.Numbers(points.Select(p => p.Z)),
            ["text"] = PlotlyJson.Strings(labels),
            ["type"] = "scatter3d",
            ["mode"] = mode,
            ["marker"] = new JsonObject
            {
                ["size"] = 5,
                // ClearML's format string ('%f.2') writes the alpha this way; kept for identical figures.
                ["line"] = new JsonObject { ["color"] = "rgba(217, 217, 217, 0.140000.2)", ["width"] = 0.8 },
                ["opacity"] = 0.8,
            },
        };
        return new JsonObject { ["data"] = new JsonArray(trace), ["layout"] = PlotlyJson.Merge(layout, extraLayout) };
    }

    /// <summary><c>create_value_matrix</c>: a heat map (confusion matrix).</summary>
    public static JsonObject Heatmap(IReadOnlyList<IReadOnlyList<double>> matrix, string title, string series, IReadOnlyList<string>? xlabels, IReadOnlyList<string>? ylabels,
        string? xaxis, string? yaxis, bool yaxisReversed, string? comment, JsonObject? extraLayout)
    {
        var trace = new JsonObject
        {
            ["x"] = PlotlyJson.Strings(xlabels),
            ["y"] = PlotlyJson.Strings(ylabels),
            ["z"] = PlotlyJson.Matrix(matrix),
            ["type"] = "heatmap",
        };
        var layout = new JsonObject
        {
            ["showlegend"] = true,
            ["title"] = PlotlyJson.Title(title, comment),
            ["xaxis"] = new JsonObject { ["title"] = xaxis },
            ["yaxis"] = new JsonObject { ["title"] = yaxis },
            ["name"] = series,
        };
        if (yaxisReversed)
        {
            layout["yaxis"]!["autorange"] = "reversed";
        }
        if (extraLayout is null)
        {
            var (scale, bar) = PlotlyJson.ColorScale();
            trace["colorscale"] = scale;
            trace["colorbar"] = bar;
        }
        else
        {
            // As ClearML does: the extra layout is merged into the trace and the layout.
            PlotlyJson.Merge(trace, extraLayout);
            PlotlyJson.Merge(layout, extraLayout);
        }
        return new JsonObject { ["data"] = new JsonArray(trace), ["layout"] = layout };
    }

    /// <summary><c>create_3d_surface</c>.</summary>
    public static JsonObject Surface(IReadOnlyList<IReadOnlyList<double>> matrix, string title, string series, IReadOnlyList<string>? xlabels, IReadOnlyList<string>? ylabels,
        string? xaxis, string? yaxis, string? zaxis, (double X, double Y, double Z)? camera, string? comment, JsonObject? extraLayout)
    {
        var (scale, bar) = PlotlyJson.ColorScale();
        var trace = new JsonObject
        {
            ["z"] = PlotlyJson.Matrix(matrix),
            ["type"] = "surface",
            ["contours"] = new JsonObject
            {
                ["y"] = new JsonObject { ["show"] = false, ["highlightcolor"] = "#fff4ff", ["project"] = new JsonObject { ["y"] = true } },
            },
            ["showscale"] = false,
            ["colorscale"] = scale,
            ["colorbar"] = bar,
        };
        var scene = new JsonObject
        {
            ["xaxis"] = Axis(xaxis, xlabels),
            ["yaxis"] = Axis(yaxis, ylabels),
            ["zaxis"] = new JsonObject { ["title"] = zaxis, ["nticks"] = 5 },
        };
        if (camera is { } eye)
        {
            scene["camera"] = new JsonObject { ["eye"] = new JsonObject { ["x"] = eye.X, ["y"] = eye.Y, ["z"] = eye.Z } };
        }
        var layout = new JsonObject
        {
            ["scene"] = scene,
            ["showlegend"] = false,
            ["title"] = PlotlyJson.Title(title, comment),
            ["name"] = series,
        };
        return new JsonObject { ["data"] = new JsonArray(trace), ["layout"] = PlotlyJson.Merge(layout, extraLayout) };

        static JsonObject Axis(string? title, IReadOnlyList<string>? labels) => new()
        {
            ["title"] = title,
            ["showgrid"] = false,
            ["nticks"] = 10,
            ["ticktext"] = PlotlyJson.Strings(labels),
            ["tickvals"] = labels is { Count: > 0 } ? PlotlyJson.Range(labels.Count) : null,
        };
    }

    /// <summary><c>create_plotly_table</c> for a list of rows whose first row is the header.</summary>
    public static JsonObject Table(JsonArray headers, JsonArray columns, string title, string series, JsonObject? extraLayout)
    {
        var font = (int size, string color) => new JsonObject { ["family"] = "Heebo, verdana, arial, sans-serif", ["size"] = size, ["color"] = color };
        var trace = new JsonObject
        {
            ["type"] = "table",
            ["header"] = new JsonObject
            {
                ["values"] = headers,
                ["align"] = "left",
                ["line"] = new JsonObject { ["width"] = 0.5, ["color"] = "#d4d6e0" },
                ["fill"] = new JsonObject { ["color"] = "#fff" },
                ["font"] = font(12, "#333"),
            },
            ["cells"] = new JsonObject
            {
                ["height"] = 30,
                ["values"] = columns,
                ["align"] = "left",
                ["line"] = new JsonObject { ["color"] = "white", ["width"] = 1 },
                ["font"] = font(14, "#384161"),
            },
        };
        var layout = new JsonObject { ["title.text"] = title, ["title"] = series };
        return new JsonObject { ["data"] = new JsonArray(trace), ["layout"] = PlotlyJson.Merge(layout, extraLayout) };
    }

    /// <summary>A table cell: numbers stay numbers (NaN and infinities as ClearML's strings), anything else its text.</summary>
    public static JsonNode? Cell(object? value) => value switch
    {
        null => null,
        double d => PlotlyJson.Number(d),
        float f => PlotlyJson.Number(f),
        int or long or short or byte or decimal => JsonValue.Create(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
        bool b => JsonValue.Create(b),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static JsonObject ScatterLayout(string? title, string? xaxis, string? yaxis)
    {
        static JsonObject Axis(string? title) => new()
        {
            ["title"] = title,
            ["showspikes"] = true,
            ["spikethickness"] = 1,
            ["spikesnap"] = "cursor",
            ["spikemode"] = "toaxis+across",
        };
        return new JsonObject { ["title"] = title, ["xaxis"] = Axis(xaxis), ["yaxis"] = Axis(yaxis), ["name"] = null };
    }
}
