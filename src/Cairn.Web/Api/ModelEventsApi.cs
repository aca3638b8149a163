using System.Text.Json.Nodes;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>One scalar series (a metric's variant) sampled by the server for a chart.</summary>
public sealed record ScalarSeries(string Metric, string Variant, IReadOnlyList<double> X, IReadOnlyList<double> Y, string? XAxisLabel);

/// <summary>The last reported plot of a metric/variant: Plotly's JSON as the SDK sent it.</summary>
public sealed record PlotEvent(string Metric, string Variant, long Iteration, string PlotJson);

/// <summary>Scalars and plots reported on a model (<c>model_events: true</c>) or a task.</summary>
public static class ModelEventsApi
{
    /// <summary>Every scalar series, ordered by metric then variant, from <c>events.scalar_metrics_iter_histogram</c>.</summary>
    public static async Task<IReadOnlyList<ScalarSeries>> GetScalarsAsync(this CairnApi api, string id, bool modelEvents = true, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("events.scalar_metrics_iter_histogram",
            new ScalarMetricsIterHistogramRequest { Task = id, Key = "iter", ModelEvents = modelEvents }, cancellationToken).ConfigureAwait(false);
        var series = new List<ScalarSeries>();
        foreach (var (metric, variants) in data)
        {
            if (variants is not JsonObject byVariant)
            {
                continue;
            }
            foreach (var (variant, values) in byVariant)
            {
                var x = (values?["x"] as JsonArray ?? []).Select(v => ModelDetail.Number(v) ?? 0).ToList();
                var y = (values?["y"] as JsonArray ?? []).Select(v => ModelDetail.Number(v) ?? double.NaN).ToList();
                series.Add(new ScalarSeries(metric, variant, x, y, Json.String(values?["x_axis_label"])));
            }
        }
        return [.. series.OrderBy(s => s.Metric, StringComparer.Ordinal).ThenBy(s => s.Variant, StringComparer.Ordinal)];
    }

    /// <summary>The last plot of each metric/variant, from <c>events.get_task_plots</c>.</summary>
    public static async Task<IReadOnlyList<PlotEvent>> GetPlotsAsync(this CairnApi api, string id, bool modelEvents = true, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("events.get_task_plots",
            new GetTaskPlotsRequest { Task = id, Iters = 1, ModelEvents = modelEvents }, cancellationToken).ConfigureAwait(false);
        return [.. (data["plots"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => Json.String(p["plot_str"]) is { Length: > 0 })
            .Select(p => new PlotEvent(Json.String(p["metric"]) ?? "", Json.String(p["variant"]) ?? "", Json.Long(p["iter"]), Json.String(p["plot_str"])!))
            .OrderBy(p => p.Metric, StringComparer.Ordinal).ThenBy(p => p.Variant, StringComparer.Ordinal)];
    }
}
