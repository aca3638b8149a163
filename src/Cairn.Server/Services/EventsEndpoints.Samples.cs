using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>
/// <c>events.debug_images</c> and <c>events.vector_metrics_iter_histogram</c>: the reported
/// samples (images, vectors) the SDK's <c>Task.get_debug_samples</c> and the UI read back.
/// </summary>
public static partial class EventsEndpoints
{
    /// <summary>At most this many vector events come back, as ClearML's one search returns.</summary>
    private const int MaxVectors = 10_000;

    /// <summary>
    /// The debug images of each requested task metric, <c>iters</c> iterations at a time, newest
    /// first: <c>{metrics: [{task, metric, iterations: [{iter, events}]}], scroll_id}</c>. The
    /// scroll id carries, per task metric, the lowest and highest iteration returned so far, so
    /// the next call continues earlier (<c>navigate_earlier</c>, the default) or later without
    /// state on the server; <c>refresh</c> starts again from the latest.
    /// </summary>
    private static async Task<object?> DebugImagesAsync(ApiCall call)
    {
        var body = call.Body;
        if (body["metrics"] is not JsonArray { Count: > 0 } requested)
        {
            throw body["metrics"] is null
                ? CairnException.RequiredField("metrics")
                : CairnException.Validation("field 'metrics' must be a non-empty list of {task, metric}");
        }
        var iterations = Int(body, "iters", 1, 1, MaxBatchSize);
        var earlier = body["navigate_earlier"] is null || Flag(body, "navigate_earlier");
        var state = Flag(body, "refresh") ? [] : ReadImagesScroll(body);
        var store = call.Service<IMetadataStore>().Events;
        var metrics = new List<DebugImagesMetricDto>();
        foreach (var item in requested)
        {
            if (item is not JsonObject entry)
            {
                throw CairnException.Validation("each item of 'metrics' must be an object {task, metric}");
            }
            var task = RequiredString(entry, "task");
            var metric = OptionalString(entry, "metric") is { Length: > 0 } name ? name : null;
            var entity = await ReadableEntityAsync(call, task).ConfigureAwait(false);
            var key = task + "\n" + metric;
            // A fresh position reads the latest iterations whichever way the client navigates.
            var known = state.TryGetValue(key, out var range) ? range : null;
            var images = await store.GetImagesAsync(entity, metric,
                before: earlier ? known?[0] : null,
                after: earlier ? null : known?[1],
                iterations, call.Aborted).ConfigureAwait(false);
            var byIteration = images.GroupBy(e => e["iter"]!.GetValue<long>())
                .Select(group => new DebugImagesIterationDto(group.Key, group.ToList()))
                .ToList();
            if (images.Count > 0)
            {
                var lowest = images.Min(e => e["iter"]!.GetValue<long>());
                var highest = images.Max(e => e["iter"]!.GetValue<long>());
                state[key] = known is null ? [lowest, highest] : [Math.Min(known[0], lowest), Math.Max(known[1], highest)];
            }
            metrics.Add(new DebugImagesMetricDto(task, metric ?? "", byIteration));
        }
        return new DebugImagesResponse(metrics, ImagesScrollPrefix + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(state)));
    }

    private const string ImagesScrollPrefix = "images~";

    /// <summary>The scroll's (lowest, highest) iteration per <c>task\nmetric</c>; empty for a new scroll.</summary>
    /// <exception cref="CairnException">400/12 for a scroll id this server did not make.</exception>
    private static Dictionary<string, long[]> ReadImagesScroll(JsonObject body)
    {
        if (OptionalString(body, "scroll_id") is not { Length: > 0 } scrollId)
        {
            return [];
        }
        try
        {
            if (scrollId.StartsWith(ImagesScrollPrefix, StringComparison.Ordinal)
                && JsonSerializer.Deserialize<Dictionary<string, long[]>>(Base64Url.DecodeFromChars(scrollId.AsSpan(ImagesScrollPrefix.Length))) is { } state
                && state.Values.All(r => r is { Length: 2 } && r[0] <= r[1]))
            {
                return state;
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            // Falls through to the one error below: a client's scroll id is not ours.
        }
        throw CairnException.Validation($"invalid scroll_id '{scrollId}'");
    }

    /// <summary>
    /// <c>events.get_debug_image_sample</c> (the UI's image viewer): the image of one
    /// <c>metric</c>/<c>variant</c> at <c>iteration</c> or the latest before it (the latest when
    /// none is given), <c>{scroll_id, event, min_iteration, max_iteration}</c>. An unknown series
    /// answers nulls with a scroll id, as ClearML's. The scroll id carries the task, metric and
    /// position itself (no server state); one for another task, or another metric under
    /// <c>navigate_current_metric</c>, is ClearML's 400/1104.
    /// </summary>
    private static async Task<object?> GetDebugImageSampleAsync(ApiCall call)
    {
        var body = call.Body;
        var task = RequiredString(body, "task");
        var metric = OptionalString(body, "metric") ?? throw CairnException.RequiredField("metric");
        var variant = OptionalString(body, "variant") ?? throw CairnException.RequiredField("variant");
        long? iteration = null;
        if (body["iteration"] is { } given)
        {
            iteration = TryReadLong(given, out var value) ? value : throw CairnException.Validation("field 'iteration' must be a whole number");
        }
        var currentMetric = body["navigate_current_metric"] is null || Flag(body, "navigate_current_metric");
        var entity = await ReadableEntityAsync(call, task).ConfigureAwait(false);
        if (OptionalString(body, "scroll_id") is { Length: > 0 } scrollId)
        {
            var state = ReadSampleScroll(scrollId);
            if (state.Task != task || state.CurrentMetric != currentMetric || (currentMetric && state.Metric != metric))
            {
                throw new CairnException(ErrorCodes.InvalidScrollId, "Task and metric stored in the state do not match the passed ones",
                    new Dictionary<string, object?> { ["scroll_id"] = scrollId });
            }
        }
        var sample = await call.Service<IMetadataStore>().Events
            .GetImageSampleAsync(entity, metric, variant, iteration, call.Aborted).ConfigureAwait(false);
        var position = sample?.Event is { } image
            ? new SampleScroll(task, metric, currentMetric, image["variant"]?.GetValue<string>() ?? variant, image["iter"]?.GetValue<long>(), metric)
            : new SampleScroll(task, metric, currentMetric, null, null);
        return new DebugImageSampleResponse(SampleScrollPrefix + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(position)),
            sample?.Event, sample?.MinIteration, sample?.MaxIteration);
    }

    /// <summary>
    /// <c>events.next_debug_image_sample</c>: from the image a <c>get_debug_image_sample</c>
    /// scroll id stands on, the next variant at the same iteration, else the first of the next
    /// iteration (<c>next_iteration</c>: only that); earlier ones with <c>navigate_earlier</c>
    /// (the default). Within the scroll's metric under <c>navigate_current_metric</c>. Nothing
    /// further answers nulls and the same scroll id, as ClearML's.
    /// </summary>
    private static async Task<object?> NextDebugImageSampleAsync(ApiCall call)
    {
        var body = call.Body;
        var task = RequiredString(body, "task");
        var scrollId = OptionalString(body, "scroll_id") ?? "";
        var state = ReadSampleScroll(scrollId);
        if (state.Task != task)
        {
            throw new CairnException(ErrorCodes.InvalidScrollId, null, new Dictionary<string, object?> { ["scroll_id"] = scrollId });
        }
        var earlier = body["navigate_earlier"] is null || Flag(body, "navigate_earlier");
        var otherIteration = Flag(body, "next_iteration");
        var entity = await ReadableEntityAsync(call, task).ConfigureAwait(false);
        ImageSample? sample = null;
        if (state is { Variant: { } variant, Iteration: { } iteration })
        {
            var currentMetric = state.CurrentMetric ? state.Metric : null;
            var metricOfImage = state.ImageMetric ?? state.Metric;
            sample = await call.Service<IMetadataStore>().Events.GetNextImageSampleAsync(
                entity, currentMetric, metricOfImage, variant, iteration, earlier, otherIteration, call.Aborted).ConfigureAwait(false);
        }
        if (sample?.Event is not { } image)
        {
            return new DebugImageSampleResponse(scrollId, null, null, null);
        }
        var position = state with
        {
            ImageMetric = image["metric"]?.GetValue<string>(),
            Variant = image["variant"]?.GetValue<string>(),
            Iteration = image["iter"]?.GetValue<long>(),
        };
        return new DebugImageSampleResponse(SampleScrollPrefix + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(position)),
            image, sample.MinIteration, sample.MaxIteration);
    }

    private const string SampleScrollPrefix = "sample~";

    /// <summary>
    /// Where an image viewer stands: its task and metric (the one it was opened on), and the image
    /// it shows (whose metric differs from that one when navigating across metrics).
    /// </summary>
    private sealed record SampleScroll(string Task, string Metric, bool CurrentMetric, string? Variant, long? Iteration, string? ImageMetric = null);

    /// <exception cref="CairnException">400/1104 for a scroll id this server did not make.</exception>
    private static SampleScroll ReadSampleScroll(string scrollId)
    {
        try
        {
            if (scrollId.StartsWith(SampleScrollPrefix, StringComparison.Ordinal)
                && JsonSerializer.Deserialize<SampleScroll>(Base64Url.DecodeFromChars(scrollId.AsSpan(SampleScrollPrefix.Length))) is { Task: not null, Metric: not null } state)
            {
                return state;
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            // Falls through to the one error below.
        }
        throw new CairnException(ErrorCodes.InvalidScrollId, null, new Dictionary<string, object?> { ["scroll_id"] = scrollId });
    }

    /// <summary>
    /// One vector series' values by iteration, oldest first:
    /// <c>{metric, variant, vectors: [[..]], iterations: [..]}</c>.
    /// </summary>
    private static async Task<object?> VectorMetricsIterHistogramAsync(ApiCall call)
    {
        var body = call.Body;
        var entity = await ReadableEntityAsync(call, RequiredString(body, "task")).ConfigureAwait(false);
        var metric = OptionalString(body, "metric") ?? throw CairnException.RequiredField("metric");
        var variant = OptionalString(body, "variant") ?? throw CairnException.RequiredField("variant");
        var store = call.Service<IMetadataStore>().Events;
        var series = (await store.GetSeriesAsync(entity, EventTypes.Vector, call.Aborted).ConfigureAwait(false))
            .FirstOrDefault(s => s.Metric == metric && s.Variant == variant);
        var vectors = new List<JsonNode?>();
        var iterations = new List<JsonNode?>();
        if (series is not null)
        {
            // The latest MaxVectors iterations, newest first: reversed to read oldest first.
            var events = await store.GetLatestAsync(series.Id, MaxVectors, call.Aborted).ConfigureAwait(false);
            foreach (var e in events.Reverse())
            {
                vectors.Add(e["value"]);
                iterations.Add(e["iter"]);
            }
        }
        return new VectorMetricsResponse(metric, variant, vectors, iterations);
    }
}
