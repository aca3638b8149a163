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

    /// <summary>The entity's single-value metrics, sorted by metric, then variant.</summary>
    Task<IReadOnlyList<SingleValue>> GetSingleValuesAsync(EventEntity entity, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the entity's events of the given series (null = all), ordered by timestamp
    /// (then series and iteration) ascending or descending.
    /// </summary>
    Task<EventPage> GetEventsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, bool descending, long skip, int take, CancellationToken cancellationToken = default);

    /// <summary>
    /// Log events of the entity, newest first before <paramref name="fromTimestamp"/> when
    /// <paramref name="earlier"/>, else oldest first after it.
    /// </summary>
    Task<EventPage> GetLogAsync(EventEntity entity, long? fromTimestamp, bool earlier, int take, CancellationToken cancellationToken = default);

    /// <summary>Deletes every event of the entity and clears its <c>last_metrics</c>; the number of events deleted.</summary>
    Task<long> DeleteAsync(EventEntity entity, CancellationToken cancellationToken = default);
}
