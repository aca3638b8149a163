using Cairn.Protocol.Services;
using System.Globalization;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>events.*</c> reads: each takes <c>model_events: true</c> to read a model's events instead of a task's.</summary>
public static partial class EventsEndpoints
{
    private const int MaxBatchSize = 10_000;
    private const string EventsScrollPrefix = "events~";
    private const string PlotsScrollPrefix = "plots~";

    /// <summary>Plots per get_task_plots page (ClearML's page size for them).</summary>
    private const int PlotsPageSize = 500;

    /// <summary>
    /// The latest <c>iters</c> iterations of each plot, a page of at most <see cref="PlotsPageSize"/>
    /// at a time. The scroll id carries the total and the store's cursor after the last plot, so
    /// a scroll needs no state on the server and never re-reads what it returned.
    /// </summary>
    private static async Task<object?> GetTaskPlotsAsync(ApiCall call)
    {
        var body = call.Body;
        var entity = await ReadableEntityAsync(call, RequiredString(body, "task")).ConfigureAwait(false);
        var iterations = Int(body, "iters", 1, 1, MaxBatchSize);
        var noScroll = body["no_scroll"] is not null && Flag(body, "no_scroll");
        var scroll = noScroll ? null : ReadScroll(body, PlotsScrollPrefix);
        var store = call.Service<IMetadataStore>().Events;
        var seriesIds = await SeriesIdsAsync(store, entity, EventTypes.Plot, MetricsFilter(body), call.Aborted).ConfigureAwait(false);
        var total = scroll?.Total ?? await store.CountLatestPlotsAsync(entity, seriesIds, iterations, call.Aborted).ConfigureAwait(false);
        var page = await store.GetLatestPlotsAsync(entity, seriesIds, iterations, scroll?.Cursor, PlotsPageSize, call.Aborted).ConfigureAwait(false);
        return new TaskPlotsResponse(page.Events, page.Events.Count, total,
            noScroll ? null : ScrollId(PlotsScrollPrefix, total, page.Cursor ?? scroll?.Cursor));
    }

    /// <summary>
    /// <c>events.get_multi_task_plots</c> (the comparison view): the latest <c>iters</c> iterations
    /// of each plot of each task (or model), grouped as ClearML's
    /// <c>_get_top_iter_unique_events_per_task</c> does:
    /// <c>{metric: {variant: {id: {iter: {name: entity name, plots: [events]}}}}}</c>. Each entity
    /// gives at most one page (<see cref="PlotsPageSize"/>) of plots; there is no scrolling.
    /// </summary>
    private static async Task<object?> GetMultiTaskPlotsAsync(ApiCall call)
    {
        var body = call.Body;
        var ids = RequiredIds(body, "tasks").Distinct(StringComparer.Ordinal).ToList();
        var names = await ReadableNamesAsync(call, ids).ConfigureAwait(false);
        var iterations = Int(body, "iters", 1, 1, MaxBatchSize);
        var models = Flag(body, "model_events");
        var store = call.Service<IMetadataStore>().Events;
        var plots = new OrderedDictionary<string, OrderedDictionary<string, OrderedDictionary<string, OrderedDictionary<string, (string Name, List<JsonObject> Plots)>>>>(StringComparer.Ordinal);
        var returned = 0;
        foreach (var id in ids)
        {
            var entity = new EventEntity(id, models);
            var seriesIds = await SeriesIdsAsync(store, entity, EventTypes.Plot, MetricsFilter(body), call.Aborted).ConfigureAwait(false);
            var page = await store.GetLatestPlotsAsync(entity, seriesIds, iterations, null, PlotsPageSize, call.Aborted).ConfigureAwait(false);
            foreach (var plot in page.Events)
            {
                var metric = plot["metric"]?.GetValue<string>() ?? "";
                var variant = plot["variant"]?.GetValue<string>() ?? "";
                var iteration = plot["iter"]?.ToJsonString() ?? "0";
                var byIteration = Entry(Entry(Entry(plots, metric), variant), id);
                if (!byIteration.TryGetValue(iteration, out var group))
                {
                    byIteration[iteration] = group = (names[id], new List<JsonObject>());
                }
                group.Plots.Add(plot);
                returned++;
            }
        }
        return new MultiTaskPlotsResponse(
            ReadOnly(plots, byVariant => ReadOnly(byVariant, byTask => ReadOnly(byTask, byIteration =>
                ReadOnly(byIteration, group => new PlotGroupDto(group.Name, group.Plots))))),
            returned, returned);
    }

    private static async Task<object?> ScalarMetricsIterHistogramAsync(ApiCall call)
    {
        var body = call.Body;
        var entity = await ReadableEntityAsync(call, RequiredString(body, "task")).ConfigureAwait(false);
        return await ScalarHistogramAsync(call, entity).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>events.multi_task_scalar_metrics_iter_histogram</c> (the comparison view): each task's
    /// (or, with <c>model_events</c>, model's) histogram, as
    /// <c>{metrics: {metric: {variant: {id: {name: entity name, x, y}}}}}</c>, as ClearML's
    /// <c>compare_scalar_metrics_average_per_iter</c>. <c>tasks</c> is a list or a comma-separated string.
    /// </summary>
    private static async Task<object?> MultiTaskScalarMetricsIterHistogramAsync(ApiCall call)
    {
        var ids = call.Body["tasks"] switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
            JsonArray array when array.All(n => n is JsonValue v && v.TryGetValue<string>(out _)) => array.Select(n => n!.GetValue<string>()).ToList(),
            null => throw CairnException.Validation("error for field 'tasks'. field is required!"),
            _ => throw CairnException.Validation("error for field 'tasks': expected a list of task ids"),
        };
        if (ids.Count == 0)
        {
            throw CairnException.Validation("error for field 'tasks': at least one task id is required");
        }
        var names = await ReadableNamesAsync(call, ids.Distinct(StringComparer.Ordinal).ToList()).ConfigureAwait(false);
        var metrics = new OrderedDictionary<string, OrderedDictionary<string, OrderedDictionary<string, ScalarSeriesDto>>>(StringComparer.Ordinal);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var histogram = await ScalarHistogramAsync(call, new EventEntity(id, Flag(call.Body, "model_events"))).ConfigureAwait(false);
            foreach (var (metric, variants) in histogram)
            {
                var byVariant = Entry(metrics, metric);
                foreach (var (variant, series) in variants)
                {
                    Entry(byVariant, variant)[id] = series with { Name = names[id] };
                }
            }
        }
        return new MultiTaskScalarHistogramResponse(ReadOnly(metrics, byVariant => ReadOnly(byVariant, byTask => (IReadOnlyDictionary<string, ScalarSeriesDto>)byTask)));
    }

    /// <summary>The entity's sampled scalar series by metric and variant: <c>events.scalar_metrics_iter_histogram</c>'s answer.</summary>
    private static async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScalarSeriesDto>>> ScalarHistogramAsync(ApiCall call, EventEntity entity)
    {
        var body = call.Body;
        var samples = Int(body, "samples", 2000, 1, 6000);
        var key = OptionalString(body, "key") ?? "iter";
        var axis = key switch
        {
            "iter" => HistogramAxis.Iteration,
            "timestamp" or "iso_time" => HistogramAxis.Timestamp,
            _ => throw CairnException.Validation($"key must be one of iter, timestamp, iso_time, not '{key}'"),
        };
        var filter = MetricsFilter(body);
        var store = call.Service<IMetadataStore>().Events;
        var result = new OrderedDictionary<string, OrderedDictionary<string, ScalarSeriesDto>>(StringComparer.Ordinal);
        var allSeries = Filter(await store.GetSeriesAsync(entity, EventTypes.Scalar, call.Aborted).ConfigureAwait(false), filter).ToList();
        // Series are sampled side by side, each on its own pooled connection (WAL readers do not
        // block each other): a model with a million points is several long range reads.
        var sampled = new IReadOnlyList<HistogramPoint>[allSeries.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, allSeries.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = call.Aborted },
            async (i, cancellationToken) => sampled[i] = await store.GetScalarHistogramAsync(allSeries[i].Id, samples, axis, cancellationToken).ConfigureAwait(false))
            .ConfigureAwait(false);
        foreach (var (series, points) in allSeries.Zip(sampled))
        {
            if (points.Count == 0)
            {
                continue; // single values only
            }
            var x = new JsonArray();
            var y = new double[points.Count];
            for (var i = 0; i < points.Count; i++)
            {
                x.Add(key == "iso_time" ? ClearmlJson.FormatDate(DateTimeOffset.FromUnixTimeMilliseconds(points[i].X)) : JsonValue.Create(points[i].X));
                y[i] = points[i].Y;
            }
            Entry(result, series.Metric)[series.Variant] = new ScalarSeriesDto(series.Variant, x, y, series.XAxisLabel);
        }
        return ReadOnly(result, variants => (IReadOnlyDictionary<string, ScalarSeriesDto>)variants);
    }

    private static async Task<object?> GetTaskSingleValueMetricsAsync(ApiCall call)
    {
        var body = call.Body;
        var ids = RequiredIds(body, "tasks");
        var filter = MetricsFilter(body);
        var names = await ReadableNamesAsync(call, ids).ConfigureAwait(false);
        var values = await call.Service<IMetadataStore>().Events.GetSingleValuesAsync(Flag(body, "model_events"), ids, call.Aborted).ConfigureAwait(false);
        var tasks = new List<TaskSingleValuesDto>();
        foreach (var id in ids)
        {
            var items = (values.GetValueOrDefault(id) ?? [])
                .Where(value => Matches(filter, value.Metric, value.Variant))
                .Select(value => new SingleValueDto(value.Metric, value.Variant, value.Value, value.Timestamp))
                .ToList();
            if (items.Count > 0)
            {
                tasks.Add(new TaskSingleValuesDto(id, names[id], items));
            }
        }
        return new SingleValueMetricsResponse(tasks);
    }

    /// <summary>
    /// A page of every event of the entity by time. The scroll id carries the total (counted once,
    /// on the first page) and the store's keyset cursor after the last event, so a scroll needs
    /// no state on the server (any replica can continue it) and no page skips an offset.
    /// </summary>
    private static async Task<object?> GetTaskEventsAsync(ApiCall call)
    {
        var body = call.Body;
        var entity = await ReadableEntityAsync(call, RequiredString(body, "task")).ConfigureAwait(false);
        var take = Int(body, "batch_size", 500, 1, MaxBatchSize);
        var order = OptionalString(body, "order") ?? "asc";
        if (order is not ("asc" or "desc"))
        {
            throw CairnException.Validation($"order must be asc or desc, not '{order}'");
        }
        var type = OptionalString(body, "event_type");
        if (type is not null && !EventTypes.All.Contains(type))
        {
            throw CairnException.Validation($"unknown event_type '{type}'");
        }
        var scroll = ReadScroll(body, EventsScrollPrefix);
        var filter = MetricsFilter(body);
        var store = call.Service<IMetadataStore>().Events;
        var seriesIds = type is null && filter is null ? null : await SeriesIdsAsync(store, entity, type, filter, call.Aborted).ConfigureAwait(false);
        var total = scroll?.Total ?? await store.CountEventsAsync(entity, seriesIds, call.Aborted).ConfigureAwait(false);
        var page = await store.GetEventsAsync(entity, seriesIds, order == "desc", scroll?.Cursor, take, call.Aborted).ConfigureAwait(false);
        return new TaskEventsResponse(page.Events, page.Events.Count, total, ScrollId(EventsScrollPrefix, total, page.Cursor ?? scroll?.Cursor));
    }

    /// <summary>A scroll position: the total counted on the first page and the store's cursor (null = from the start).</summary>
    private sealed record Scroll(long Total, string? Cursor);

    /// <summary><c>&lt;prefix&gt;&lt;total&gt;~&lt;cursor&gt;</c>; an empty cursor is the start.</summary>
    private static string ScrollId(string prefix, long total, string? cursor) =>
        prefix + total.ToString(CultureInfo.InvariantCulture) + "~" + cursor;

    /// <summary>The request's scroll id; null when absent or empty (a new scroll).</summary>
    /// <exception cref="CairnException">400/12 for a scroll id this server did not make.</exception>
    private static Scroll? ReadScroll(JsonObject body, string prefix)
    {
        if (OptionalString(body, "scroll_id") is not { Length: > 0 } scrollId)
        {
            return null;
        }
        var separator = scrollId.StartsWith(prefix, StringComparison.Ordinal) ? scrollId.IndexOf('~', prefix.Length) : -1;
        if (separator < 0
            || !long.TryParse(scrollId.AsSpan(prefix.Length, separator - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var total))
        {
            throw CairnException.Validation($"invalid scroll_id '{scrollId}'");
        }
        var cursor = scrollId[(separator + 1)..];
        return new Scroll(total, cursor.Length == 0 ? null : cursor);
    }

    /// <summary>The ids of the entity's series of a type (null = any) that the metrics filter keeps.</summary>
    private static async Task<List<long>> SeriesIdsAsync(
        IEventStore store, EventEntity entity, string? type, Dictionary<string, HashSet<string>>? filter, CancellationToken cancellationToken) =>
        Filter(await store.GetSeriesAsync(entity, type, cancellationToken).ConfigureAwait(false), filter).Select(s => s.Id).ToList();

    private static async Task<object?> GetTaskLogAsync(ApiCall call)
    {
        var body = call.Body;
        var entity = await ReadableEntityAsync(call, RequiredString(body, "task")).ConfigureAwait(false);
        var take = Int(body, "batch_size", 500, 1, MaxBatchSize);
        var earlier = body["navigate_earlier"] is null || Flag(body, "navigate_earlier");
        long? from = body["from_timestamp"] is null ? null : TryReadLong(body["from_timestamp"], out var timestamp)
            ? timestamp
            : throw CairnException.Validation("from_timestamp must be a number (epoch milliseconds)");
        var page = await call.Service<IMetadataStore>().Events.GetLogAsync(entity, from, earlier, take, call.Aborted).ConfigureAwait(false);
        return new TaskLogResponse(page.Events, page.Events.Count, page.Total);
    }

    private static async Task<object?> GetTaskMetricsAsync(ApiCall call)
    {
        var body = call.Body;
        var ids = RequiredIds(body, "tasks");
        var type = OptionalString(body, "event_type");
        if (type is not null && !EventTypes.All.Contains(type))
        {
            throw CairnException.Validation($"unknown event_type '{type}'");
        }
        await ReadableNamesAsync(call, ids).ConfigureAwait(false);
        var names = await call.Service<IMetadataStore>().Events.GetMetricNamesAsync(Flag(body, "model_events"), ids, type, call.Aborted).ConfigureAwait(false);
        return new TaskMetricsResponse(ids.Select(id => new TaskMetricNamesDto(id, names.GetValueOrDefault(id) ?? [])).ToList());
    }

    private static async Task<object?> GetScalarMetricsAndVariantsAsync(ApiCall call)
    {
        var entity = await ReadableEntityAsync(call, RequiredString(call.Body, "task")).ConfigureAwait(false);
        var metrics = new OrderedDictionary<string, OrderedDictionary<string, VariantNameDto>>(StringComparer.Ordinal);
        foreach (var series in await call.Service<IMetadataStore>().Events.GetSeriesAsync(entity, EventTypes.Scalar, call.Aborted).ConfigureAwait(false))
        {
            Entry(metrics, series.Metric)[series.Variant] = new VariantNameDto(series.Variant);
        }
        return new ScalarMetricsAndVariantsResponse(ReadOnly(metrics, variants => (IReadOnlyDictionary<string, VariantNameDto>)variants));
    }

    /// <summary>Deletes a company model's events; a ready (published) model's only with <c>allow_locked</c>.</summary>
    private static async Task<object?> DeleteForModelAsync(ApiCall call)
    {
        var id = RequiredString(call.Body, "model");
        var model = await ModelDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        if (model.Ready && !Flag(call.Body, "allow_locked"))
        {
            throw new CairnException(ErrorCodes.ModelIsReady, null, new Dictionary<string, object?> { ["id"] = id });
        }
        var deleted = await call.Service<IMetadataStore>().Events.DeleteAsync(new EventEntity(model.Id, IsModel: true), call.Aborted).ConfigureAwait(false);
        return new DeletedResponse(deleted);
    }

    /// <summary>The task (company or public, else 400/101) or, with <c>model_events</c>, the model (else 400/201) to read.</summary>
    private static async Task<EventEntity> ReadableEntityAsync(ApiCall call, string id) =>
        (await ReadableEntityWithNameAsync(call, id).ConfigureAwait(false)).Entity;

    private static async Task<(EventEntity Entity, string Name)> ReadableEntityWithNameAsync(ApiCall call, string id)
    {
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        if (Flag(call.Body, "model_events"))
        {
            var model = await store.Models.GetByIdOrNullAsync(company, id, call.Aborted).ConfigureAwait(false)
                ?? throw ModelDocuments.InvalidId(id, company);
            return (new EventEntity(model.Id, IsModel: true), model.Name);
        }
        var task = await store.Tasks.GetInfoOrNullAsync(company, id, call.Aborted).ConfigureAwait(false)
            ?? throw new CairnException(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["id"] = id });
        return (new EventEntity(task.Id, IsModel: false), task.Name);
    }

    /// <summary>
    /// The names of the tasks (or, with <c>model_events</c>, models) to read, company or public,
    /// with one query; the first id that is neither is 400/101 (or 400/201).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>> ReadableNamesAsync(ApiCall call, List<string> ids)
    {
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        var models = Flag(call.Body, "model_events");
        var names = models
            ? await store.Models.GetNamesAsync(company, ids, call.Aborted).ConfigureAwait(false)
            : await store.Tasks.GetNamesAsync(company, ids, call.Aborted).ConfigureAwait(false);
        if (ids.FirstOrDefault(id => !names.ContainsKey(id)) is { } missing)
        {
            throw models
                ? ModelDocuments.InvalidId(missing, company)
                : new CairnException(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["id"] = missing });
        }
        return names;
    }

    private static List<string> RequiredIds(JsonObject body, string field)
    {
        if (body[field] is not JsonArray array || array.Count == 0)
        {
            throw body[field] is null ? CairnException.RequiredField(field) : CairnException.Validation($"field '{field}' must be a non-empty list of ids");
        }
        return array.Select(n => TryReadText(n, out var id) && id is { Length: > 0 } ? id : throw CairnException.Validation($"field '{field}' must hold id strings"))
            .Distinct(StringComparer.Ordinal).ToList();
    }

    private static int Int(JsonObject body, string field, int fallback, int min, int max)
    {
        if (body[field] is null)
        {
            return fallback;
        }
        if (!TryReadLong(body[field], out var value) || value < min || value > max)
        {
            throw CairnException.Validation($"field '{field}' must be a whole number from {min} to {max}");
        }
        return (int)value;
    }

    /// <summary><c>metrics: [{metric, variants}]</c>: metric → the variants asked for (empty = all); null = every metric.</summary>
    private static Dictionary<string, HashSet<string>>? MetricsFilter(JsonObject body)
    {
        if (body["metrics"] is null)
        {
            return null;
        }
        if (body["metrics"] is not JsonArray items)
        {
            throw CairnException.Validation("field 'metrics' must be a list of {metric, variants}");
        }
        if (items.Count == 0)
        {
            return null;
        }
        var filter = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is not JsonObject entry || !TryReadText(entry["metric"], out var metric) || metric is null)
            {
                throw CairnException.Validation("each item of 'metrics' needs a metric name");
            }
            var variants = filter.TryGetValue(metric, out var existing) ? existing : filter[metric] = new HashSet<string>(StringComparer.Ordinal);
            if (entry["variants"] is JsonArray names)
            {
                foreach (var name in names)
                {
                    variants.Add(TryReadText(name, out var variant) && variant is not null
                        ? variant
                        : throw CairnException.Validation("variants must be strings"));
                }
            }
            else if (entry["variants"] is not null)
            {
                throw CairnException.Validation("variants must be a list of strings");
            }
        }
        return filter;
    }

    private static bool Matches(Dictionary<string, HashSet<string>>? filter, string metric, string variant) =>
        filter is null || (filter.TryGetValue(metric, out var variants) && (variants.Count == 0 || variants.Contains(variant)));

    private static IEnumerable<EventSeries> Filter(IEnumerable<EventSeries> series, Dictionary<string, HashSet<string>>? filter) =>
        series.Where(s => Matches(filter, s.Metric, s.Variant));

    /// <summary>The map under <paramref name="key"/>, added (empty, at the end) when missing: answers keyed by data keep the order keys were found in.</summary>
    private static OrderedDictionary<string, TValue> Entry<TValue>(OrderedDictionary<string, OrderedDictionary<string, TValue>> map, string key)
    {
        if (!map.TryGetValue(key, out var entry))
        {
            map[key] = entry = new OrderedDictionary<string, TValue>(StringComparer.Ordinal);
        }
        return entry;
    }

    /// <summary>A map with each value converted, in the same order (an <see cref="OrderedDictionary{TKey, TValue}"/>).</summary>
    private static IReadOnlyDictionary<string, TResult> ReadOnly<TValue, TResult>(OrderedDictionary<string, TValue> map, Func<TValue, TResult> convert)
    {
        var result = new OrderedDictionary<string, TResult>(map.Count, StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            result.Add(key, convert(value));
        }
        return result;
    }
}
