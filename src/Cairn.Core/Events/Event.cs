using System.Text.Json.Nodes;

namespace Cairn.Core.Events;

/// <summary>The event types ClearML knows (api.md §5.4), as they travel in an event's <c>type</c>.</summary>
public static class EventTypes
{
    public const string Scalar = "training_stats_scalar";
    public const string Vector = "training_stats_vector";
    public const string Image = "training_debug_image";
    public const string Plot = "plot";
    public const string Log = "log";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Scalar, Vector, Image, Plot, Log };

    /// <summary>The <c>iter</c> of a single-value metric (<c>report_single_value</c>): -2^31.</summary>
    public const long SingleValueIteration = int.MinValue;
}

/// <summary>The task or model an event belongs to (model events carry the model id in <c>task</c>).</summary>
public readonly record struct EventEntity(string Id, bool IsModel);

/// <summary>
/// An accepted event on its way to the store. <see cref="Document"/> is the event as ClearML
/// returns it (type, task, iter, metric, variant, timestamp and the type's own fields); scalars
/// are stored by their value alone and need none.
/// </summary>
public sealed record NewEvent(
    EventEntity Entity,
    string Type,
    long Iteration,
    string Metric,
    string Variant,
    long Timestamp,
    double Value,
    string? Key,
    string? XAxisLabel,
    JsonObject? Document)
{
    /// <summary>
    /// Whether the event may go to a locked entity (a published task, a ready model), as ClearML's
    /// <c>allow_locked</c>; every event of one entity in a call carries the same value.
    /// </summary>
    public bool AllowLocked { get; init; }
}

/// <summary>What an add stored: how many events, and the entities that refused theirs.</summary>
/// <param name="Added">Events stored.</param>
/// <param name="Refused">
/// Entities that are not the company's, or are locked (a published or publishing task, a ready
/// model) for events without <see cref="NewEvent.AllowLocked"/>; none of their events was stored.
/// </param>
public sealed record EventAddResult(int Added, IReadOnlySet<EventEntity> Refused);

/// <summary>One (type, metric, variant) series of an entity's events.</summary>
public sealed record EventSeries(long Id, string Type, string Metric, string Variant, string? XAxisLabel);

/// <summary>The x axis of a scalar histogram: iterations or report times.</summary>
public enum HistogramAxis
{
    Iteration,
    Timestamp,
}

/// <summary>One sampled point of a scalar series: the bucket's start on the axis and the mean value in it.</summary>
public readonly record struct HistogramPoint(long X, double Y);

/// <summary>A single-value metric (<c>iter = -2^31</c>) of an entity.</summary>
public sealed record SingleValue(string Metric, string Variant, double Value, long Timestamp);

/// <summary>A page of events, and how many the whole query matches.</summary>
public sealed record EventPage(IReadOnlyList<JsonObject> Events, long Total);
