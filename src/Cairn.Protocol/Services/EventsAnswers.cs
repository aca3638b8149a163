using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

// The answers of the events.* reads, as ClearML's server words them. An event is the document its
// client reported (its fields depend on its type and on what was sent), so events stay JsonObject;
// the answers around them have a fixed shape. Maps keyed by data (metric, variant, task id,
// iteration) list their keys in the order the server found them.

/// <summary><c>events.get_task_log</c>: a page of a task's console log; <c>total</c> counts every log event of the task.</summary>
public sealed record TaskLogResponse(IReadOnlyList<JsonObject> Events, int Returned, long Total);

/// <summary><c>events.get_task_events</c>: a page of a scroll through every event by time; <c>scroll_id</c> continues it.</summary>
public sealed record TaskEventsResponse(IReadOnlyList<JsonObject> Events, int Returned, long Total, string ScrollId);

/// <summary><c>events.get_task_plots</c>: a page of the latest plots; <c>scroll_id</c> is written as null under <c>no_scroll</c>.</summary>
public sealed record TaskPlotsResponse(
    IReadOnlyList<JsonObject> Plots,
    int Returned,
    long Total,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ScrollId);

/// <summary>
/// <c>events.get_multi_task_plots</c>: <c>plots</c> by metric, variant, task (or model) id and
/// iteration; one page per entity, so <c>scroll_id</c> is always null.
/// </summary>
public sealed record MultiTaskPlotsResponse(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, PlotGroupDto>>>> Plots,
    int Returned,
    int Total,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ScrollId = null);

/// <summary>The plots of one entity at one iteration, with the entity's name.</summary>
public sealed record PlotGroupDto(string Name, IReadOnlyList<JsonObject> Plots);

/// <summary>
/// One sampled scalar series of <c>events.scalar_metrics_iter_histogram</c>, whose answer is
/// these by metric and variant: an
/// <c>OrderedDictionary&lt;string, IReadOnlyDictionary&lt;string, ScalarSeriesDto&gt;&gt;</c>, the map itself with no field around it.
/// </summary>
/// <param name="Name">The variant; in <c>multi_task_scalar_metrics_iter_histogram</c> the task's (or model's) name.</param>
/// <param name="X">Iterations or epoch milliseconds (numbers), or ISO times (strings) for <c>key: iso_time</c>.</param>
/// <param name="Y">The mean value of each sample.</param>
/// <param name="XAxisLabel">The series' x axis label; left out when it has none.</param>
public sealed record ScalarSeriesDto(string Name, JsonArray X, IReadOnlyList<double> Y, string? XAxisLabel = null);

/// <summary><c>events.multi_task_scalar_metrics_iter_histogram</c>: each entity's series by metric, variant and task (or model) id.</summary>
public sealed record MultiTaskScalarHistogramResponse(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ScalarSeriesDto>>> Metrics);

/// <summary><c>events.get_task_single_value_metrics</c>: the single values of each task that has any.</summary>
public sealed record SingleValueMetricsResponse(IReadOnlyList<TaskSingleValuesDto> Tasks);

/// <summary>One task's (or model's) single values.</summary>
public sealed record TaskSingleValuesDto(string Task, string TaskName, IReadOnlyList<SingleValueDto> Values);

/// <summary>A single-value metric: its last reported value and when (epoch milliseconds).</summary>
public sealed record SingleValueDto(string Metric, string Variant, double Value, long Timestamp);

/// <summary><c>events.get_task_metrics</c>: the metric names of each task (or model), of one event type or all.</summary>
public sealed record TaskMetricsResponse(IReadOnlyList<TaskMetricNamesDto> Metrics);

/// <summary>One task's (or model's) metric names.</summary>
public sealed record TaskMetricNamesDto(string Task, IReadOnlyList<string> Metrics);

/// <summary><c>events.get_scalar_metrics_and_variants</c>: <c>{metric: {variant: {name}}}</c>.</summary>
public sealed record ScalarMetricsAndVariantsResponse(IReadOnlyDictionary<string, IReadOnlyDictionary<string, VariantNameDto>> Metrics);

/// <summary>A variant, named by itself (ClearML's shape).</summary>
public sealed record VariantNameDto(string Name);

/// <summary><c>events.debug_images</c> (2.7): each requested task metric's images by iteration; <c>scroll_id</c> goes on from there.</summary>
public sealed record DebugImagesResponse(IReadOnlyList<DebugImagesMetricDto> Metrics, string ScrollId);

/// <summary>One task metric's images, newest iteration first; <c>metric</c> is empty for all of the task's metrics.</summary>
public sealed record DebugImagesMetricDto(string Task, string Metric, IReadOnlyList<DebugImagesIterationDto> Iterations);

/// <summary>The image events of one iteration.</summary>
public sealed record DebugImagesIterationDto(long Iter, IReadOnlyList<JsonObject> Events);

/// <summary>
/// <c>events.get_debug_image_sample</c> and <c>next_debug_image_sample</c> (2.12): one image and
/// the iterations its variant spans. With no image, <c>event</c> and the iterations are written
/// as null, as ClearML does.
/// </summary>
public sealed record DebugImageSampleResponse(
    string ScrollId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonObject? Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? MinIteration,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? MaxIteration);

/// <summary>
/// <c>events.vector_metrics_iter_histogram</c>: one vector series' values by iteration, oldest
/// first (each vector as reported).
/// </summary>
public sealed record VectorMetricsResponse(string Metric, string Variant, IReadOnlyList<JsonNode?> Vectors, IReadOnlyList<JsonNode?> Iterations);
