using System.Text.Json.Nodes;
using Cairn.Core.Events;

namespace Cairn.Core.Storage;

/// <summary>
/// Task and model events (api.md §5.4): scalars, plots, logs, one row per point.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Stores the events in one write transaction that first checks, for each entity, that it is a
    /// <paramref name="company"/> task that is not published or publishing, or a company model that
    /// is not ready (either lock waived by <see cref="NewEvent.AllowLocked"/>); the events of any
    /// other entity are refused. Checked and written together, so an entity locked meanwhile gets
    /// none. A non-log event with the same entity, type, metric,
    /// variant, iteration (and image key) as a stored one replaces it; logs always append. Each
    /// touched entity gets <c>last_iteration</c> raised, <c>last_update</c> set to
    /// <paramref name="now"/> and, when scalars came, the <c>last_metrics</c> entries of the scalar
    /// series the batch touched updated (other entries are left as they are).
    /// </summary>
    Task<EventAddResult> AddAsync(string company, IReadOnlyList<NewEvent> events, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The entity's series (of one <paramref name="type"/>, or all), sorted by metric, then variant.</summary>
    Task<IReadOnlyList<EventSeries>> GetSeriesAsync(EventEntity entity, string? type, CancellationToken cancellationToken = default);

    /// <summary>
    /// A scalar series sampled to at most about <paramref name="samples"/> points, single values
    /// left out: every point when there are fewer than <paramref name="samples"/>, otherwise the
    /// mean of each bucket of <c>ceil((max − min + 1) / samples)</c> along the axis.
    /// </summary>
    Task<IReadOnlyList<HistogramPoint>> GetScalarHistogramAsync(long seriesId, int samples, HistogramAxis axis, CancellationToken cancellationToken = default);

    /// <summary>The events of the series' latest <paramref name="iterations"/> iterations, newest first (plots, images).</summary>
    Task<IReadOnlyList<JsonObject>> GetLatestAsync(long seriesId, int iterations, CancellationToken cancellationToken = default);

    /// <summary>
    /// The debug-image events of the entity (of one <paramref name="metric"/>, or all) in
    /// <paramref name="iterations"/> iterations: the latest ones below <paramref name="before"/>,
    /// or, with <paramref name="after"/>, the earliest ones above it (neither = the latest). Newest
    /// iteration first, then by metric, variant and arrival.
    /// </summary>
    Task<IReadOnlyList<JsonObject>> GetImagesAsync(
        EventEntity entity, string? metric, long? before, long? after, int iterations, CancellationToken cancellationToken = default);

    /// <summary>
    /// The debug image of one series (<paramref name="metric"/>, <paramref name="variant"/>) at the
    /// highest iteration not above <paramref name="iteration"/> (null = the latest), the last one
    /// stored there, with the series' lowest and highest image iteration; null when the series
    /// has no image. The event is null when no image is at or below <paramref name="iteration"/>.
    /// </summary>
    Task<ImageSample?> GetImageSampleAsync(EventEntity entity, string metric, string variant, long? iteration, CancellationToken cancellationToken = default);

    /// <summary>
    /// The debug image next to the one at (<paramref name="currentMetric"/>, <paramref name="currentVariant"/>,
    /// <paramref name="iteration"/>) among the series of <paramref name="metric"/> (null = all):
    /// the next series by metric and variant at the same iteration, else the first of the next
    /// iteration (only that with <paramref name="otherIteration"/>); backwards with
    /// <paramref name="earlier"/>. Its series' iteration range comes with it; null when there is none.
    /// </summary>
    Task<ImageSample?> GetNextImageSampleAsync(
        EventEntity entity, string? metric, string currentMetric, string currentVariant, long iteration, bool earlier, bool otherIteration,
        CancellationToken cancellationToken = default);

    /// <summary>The entity's single-value metrics, sorted by metric, then variant.</summary>
    Task<IReadOnlyList<SingleValue>> GetSingleValuesAsync(EventEntity entity, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the entity's events of the given series (null = all), ordered by timestamp (then
    /// kind, series, iteration and arrival) ascending or descending, continuing after
    /// <paramref name="after"/> (a cursor of a previous page in the same direction; null = from the
    /// start). Each page is one index-bounded read: no offset is skipped, nothing is counted.
    /// </summary>
    /// <exception cref="Errors.CairnException">400/12 for a cursor this store did not make.</exception>
    Task<EventScrollPage> GetEventsAsync(
        EventEntity entity, IReadOnlyCollection<long>? seriesIds, bool descending, string? after, int take, CancellationToken cancellationToken = default);

    /// <summary>How many events the entity has in the given series (null = all).</summary>
    Task<long> CountEventsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the entity's plots of the given series (null = all): for each series by metric,
    /// then variant, the events of its latest <paramref name="iterations"/> iterations, newest
    /// first; continuing after <paramref name="after"/>, a cursor of a previous page.
    /// </summary>
    /// <exception cref="Errors.CairnException">400/12 for a cursor this store did not make.</exception>
    Task<EventScrollPage> GetLatestPlotsAsync(
        EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, string? after, int take, CancellationToken cancellationToken = default);

    /// <summary>How many plots <see cref="GetLatestPlotsAsync"/> scrolls through in all.</summary>
    Task<long> CountLatestPlotsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, CancellationToken cancellationToken = default);

    /// <summary>
    /// The single-value metrics of several tasks (or models, with <paramref name="models"/>) in one
    /// read, by entity id; an id without any is absent. Each list is sorted by metric, then variant.
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<SingleValue>>> GetSingleValuesAsync(
        bool models, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>The distinct metric names of several tasks' (or models') series, of one type or all, sorted, by entity id.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetMetricNamesAsync(
        bool models, IReadOnlyCollection<string> ids, string? type, CancellationToken cancellationToken = default);

    /// <summary>
    /// Log events of the entity, newest first before <paramref name="fromTimestamp"/> when
    /// <paramref name="earlier"/>, else oldest first after it. A full page goes on with the rest
    /// of its last timestamp's lines (up to <see cref="EventLimits.SameTimestampLogLines"/>), as
    /// ClearML's does, since the next page starts past that timestamp.
    /// </summary>
    Task<EventPage> GetLogAsync(EventEntity entity, long? fromTimestamp, bool earlier, int take, CancellationToken cancellationToken = default);

    /// <summary>Deletes every event of the entity and clears its <c>last_metrics</c>; the number of events deleted.</summary>
    Task<long> DeleteAsync(EventEntity entity, CancellationToken cancellationToken = default);
}

/// <summary>One debug image of a series and the range of iterations the series has images in.</summary>
public sealed record ImageSample(JsonObject? Event, long MinIteration, long MaxIteration);

/// <summary>Bounds of event reads.</summary>
public static class EventLimits
{
    /// <summary>The most lines a log page adds to finish its last timestamp (ClearML's figure).</summary>
    public const int SameTimestampLogLines = 10_000;
}
