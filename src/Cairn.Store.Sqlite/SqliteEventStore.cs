using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Cairn.Store.Sql;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cairn.Store.Sqlite;

/// <summary>
/// Events in three tables (migration 004): a series per (entity, type, metric, variant) holding the
/// running aggregates, scalar points keyed by (series, iter), and other events as JSON documents.
/// </summary>
internal sealed class SqliteEventStore(SqliteDatabase database) : IEventStore
{
    /// <summary>ClearML compresses plot documents from this many characters on (api.md §5.4).</summary>
    internal const int CompressFromChars = 100_000;

    /// <summary>ClearML keeps at most this many metric/variant pairs in an entity's last_metrics.</summary>
    private const int MaxLastMetrics = 2000;

    private const string UpsertSeriesSql = """
        INSERT INTO event_series (model_event, entity, type, metric, variant, metric_hash, variant_hash, x_axis_label,
            count, sum_value, min_value, min_iter, max_value, max_iter, first_value, first_iter, last_value, last_iter, last_timestamp)
        VALUES ($model_event, $entity, $type, $metric, $variant, $metric_hash, $variant_hash, $x_axis_label,
            $count, $sum, $min, $min_iter, $max, $max_iter, $first, $first_iter, $last, $last_iter, $last_timestamp)
        ON CONFLICT (model_event, entity, type, metric, variant) DO UPDATE SET
            x_axis_label = COALESCE(excluded.x_axis_label, x_axis_label),
            count = count + excluded.count,
            sum_value = sum_value + excluded.sum_value,
            min_iter = CASE WHEN excluded.min_value IS NOT NULL AND (min_value IS NULL OR excluded.min_value < min_value) THEN excluded.min_iter ELSE min_iter END,
            min_value = CASE WHEN excluded.min_value IS NOT NULL AND (min_value IS NULL OR excluded.min_value < min_value) THEN excluded.min_value ELSE min_value END,
            max_iter = CASE WHEN excluded.max_value IS NOT NULL AND (max_value IS NULL OR excluded.max_value > max_value) THEN excluded.max_iter ELSE max_iter END,
            max_value = CASE WHEN excluded.max_value IS NOT NULL AND (max_value IS NULL OR excluded.max_value > max_value) THEN excluded.max_value ELSE max_value END,
            first_value = CASE WHEN excluded.first_iter IS NOT NULL AND (first_iter IS NULL OR excluded.first_iter < first_iter) THEN excluded.first_value ELSE first_value END,
            first_iter = CASE WHEN excluded.first_iter IS NOT NULL AND (first_iter IS NULL OR excluded.first_iter < first_iter) THEN excluded.first_iter ELSE first_iter END,
            last_value = CASE WHEN excluded.last_iter IS NOT NULL AND (last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (last_iter, last_timestamp)) THEN excluded.last_value ELSE last_value END,
            last_timestamp = CASE WHEN excluded.last_iter IS NOT NULL AND (last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (last_iter, last_timestamp)) THEN excluded.last_timestamp ELSE last_timestamp END,
            last_iter = CASE WHEN excluded.last_iter IS NOT NULL AND (last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (last_iter, last_timestamp)) THEN excluded.last_iter ELSE last_iter END
        RETURNING id
        """;

    // The last_metrics entries of the scalar series a batch touched ($series, a JSON array of ids),
    // as a merge patch {md5(metric): {md5(variant): entry}} built from the series rows, never from
    // the points. A series past the entity's first MaxLastMetrics gets no entry, as in ClearML.
    private const string LastMetricsPatchSql = """
        (SELECT json_group_object(metric_hash, json(variants)) FROM (
            SELECT metric_hash, json_group_object(variant_hash, json(item)) AS variants FROM (
                SELECT metric_hash, variant_hash, json_remove(json_object(
                    'metric', metric, 'variant', variant, 'value', last_value,
                    'min_value', min_value, 'min_value_iteration', min_iter,
                    'max_value', max_value, 'max_value_iteration', max_iter,
                    'first_value', first_value, 'first_value_iteration', first_iter,
                    'mean_value', round(sum_value / count, 2), 'count', count, 'x_axis_label', x_axis_label),
                    CASE WHEN x_axis_label IS NULL THEN '$.x_axis_label' ELSE '$.__kept' END) AS item
                FROM event_series
                WHERE id IN (SELECT value FROM json_each($series)) AND count > 0
                  AND id <= COALESCE((SELECT id FROM event_series
                      WHERE model_event = $model_event AND entity = $entity AND type = 'training_stats_scalar' AND count > 0
                      ORDER BY id LIMIT 1 OFFSET $max_metrics - 1), id))
            GROUP BY metric_hash))
        """;

    public async Task<EventAddResult> AddAsync(string company, IReadOnlyList<NewEvent> events, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return new EventAddResult(0, new HashSet<EventEntity>());
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // A write transaction from the start: a deferred one could fail to upgrade under a concurrent
        // writer, and holding the write lock makes the acceptance check below and the writes one step.
        await using var transaction = connection.BeginTransaction(deferred: false);

        var refused = await RefusedEntitiesAsync(connection, transaction, company, events, cancellationToken).ConfigureAwait(false);
        if (refused.Count > 0)
        {
            events = events.Where(e => !refused.Contains(e.Entity)).ToList();
            if (events.Count == 0)
            {
                return new EventAddResult(0, refused);
            }
        }

        var (seriesIds, seriesOf) = await UpsertSeriesAsync(connection, transaction, events, cancellationToken).ConfigureAwait(false);

        // Scalar points go through one SQLite statement bound by position: per point, the ADO.NET
        // command's by-name binding and statement bookkeeping cost more than the insert itself.
        using var scalar = PointInsert.Prepare(connection);
        // A point sent again for the same iteration replaces the stored one. The series totals
        // already counted it as new, so the replaced value is taken back out of count and sum.
        await using var previous = Command(connection, transaction,
            "SELECT value FROM scalar_events WHERE series = $series AND iter = $iter", "$series", "$iter");
        await using var replace = Command(connection, transaction,
            "UPDATE scalar_events SET timestamp = $timestamp, value = $value WHERE series = $series AND iter = $iter",
            "$series", "$iter", "$timestamp", "$value");
        var replaced = new Dictionary<long, (int Count, double Sum)>();
        await using var other = Command(connection, transaction, """
            INSERT INTO other_events (series, iter, timestamp, event_key, compressed, document)
            VALUES ($series, $iter, $timestamp, $event_key, $compressed, $document)
            ON CONFLICT (series, iter, event_key) DO UPDATE SET
                timestamp = excluded.timestamp, compressed = excluded.compressed, document = excluded.document
            """, "$series", "$iter", "$timestamp", "$event_key", "$compressed", "$document");

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var series = seriesOf[i];
            if (e.Type == EventTypes.Scalar)
            {
                // Synchronous on purpose: SQLite's async calls run synchronously anyway, and per
                // point the Task bookkeeping costs more than the insert.
                if (!scalar.Insert(series, e.Iteration, e.Timestamp, e.Value))
                {
                    previous.Parameters[0].Value = series;
                    previous.Parameters[1].Value = e.Iteration;
                    var old = Convert.ToDouble(previous.ExecuteScalar(), CultureInfo.InvariantCulture);
                    replace.Parameters[0].Value = series;
                    replace.Parameters[1].Value = e.Iteration;
                    replace.Parameters[2].Value = e.Timestamp;
                    replace.Parameters[3].Value = e.Value;
                    replace.ExecuteNonQuery();
                    var (count, sum) = replaced.GetValueOrDefault(series);
                    replaced[series] = (count + 1, sum + old);
                }
            }
            else
            {
                var (compressed, document) = Encode(e.Document ?? []);
                other.Parameters[0].Value = series;
                other.Parameters[1].Value = e.Iteration;
                other.Parameters[2].Value = e.Timestamp;
                // Logs carry no key, so they never collide and always append.
                other.Parameters[3].Value = e.Type == EventTypes.Log ? DBNull.Value : e.Key ?? "";
                other.Parameters[4].Value = compressed ? 1 : 0;
                other.Parameters[5].Value = document;
                await other.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (replaced.Count > 0)
        {
            await using var correct = Command(connection, transaction,
                "UPDATE event_series SET count = count - $count, sum_value = sum_value - $sum WHERE id = $series", "$count", "$sum", "$series");
            foreach (var (series, (count, sum)) in replaced)
            {
                correct.Parameters[0].Value = count;
                correct.Parameters[1].Value = sum;
                correct.Parameters[2].Value = series;
                correct.ExecuteNonQuery();
            }
        }

        await UpdateEntitiesAsync(connection, transaction, events, seriesIds, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new EventAddResult(events.Count, refused);
    }

    /// <summary>
    /// The entities that take none of these events: not a company task or model, or locked (a task
    /// published or publishing, a ready model) for events that do not say <c>allow_locked</c>.
    /// </summary>
    private static async Task<HashSet<EventEntity>> RefusedEntitiesAsync(
        SqliteConnection connection, SqliteTransaction transaction, string company, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var allowLocked = new Dictionary<EventEntity, bool>();
        EventEntity? previous = null;
        foreach (var e in events)
        {
            // A batch is mostly one entity's events in a row: only a change needs a look-up.
            if (previous == e.Entity && !e.AllowLocked)
            {
                continue;
            }
            previous = e.Entity;
            allowLocked[e.Entity] = allowLocked.GetValueOrDefault(e.Entity) || e.AllowLocked;
        }
        await using var task = Command(connection, transaction, """
            SELECT 1 FROM tasks WHERE id = $id AND company = $company AND ($locked OR status NOT IN ('published', 'publishing'))
            """, "$id", "$company", "$locked");
        await using var model = Command(connection, transaction,
            "SELECT 1 FROM models WHERE id = $id AND company = $company AND ($locked OR ready = 0)", "$id", "$company", "$locked");
        var refused = new HashSet<EventEntity>();
        foreach (var (entity, locked) in allowLocked)
        {
            var check = entity.IsModel ? model : task;
            check.Parameters[0].Value = entity.Id;
            check.Parameters[1].Value = company;
            check.Parameters[2].Value = locked ? 1 : 0;
            if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                refused.Add(entity);
            }
        }
        return refused;
    }

    /// <summary>
    /// One upsert per series the batch touches, with the batch's aggregates: the series ids by key,
    /// and each event's series id by the event's index.
    /// </summary>
    private static async Task<(Dictionary<SeriesKey, long> Ids, long[] SeriesOf)> UpsertSeriesAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var slots = new Dictionary<SeriesKey, int>();
        var aggregates = new List<SeriesAggregate>();
        var slotOf = new int[events.Count];
        // The series of the last few events, matched by the identity of their strings: a batch
        // read from one body shares one string per name, and cycles through a few series, so
        // most events find theirs here without hashing five fields.
        var recent = new (NewEvent Event, int Slot)[8];
        var next = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var slot = -1;
            foreach (var (seen, seenSlot) in recent)
            {
                if (seen is not null && ReferenceEquals(seen.Entity.Id, e.Entity.Id) && seen.Entity.IsModel == e.Entity.IsModel
                    && ReferenceEquals(seen.Type, e.Type) && ReferenceEquals(seen.Metric, e.Metric) && ReferenceEquals(seen.Variant, e.Variant))
                {
                    slot = seenSlot;
                    break;
                }
            }
            if (slot < 0)
            {
                var key = SeriesKey.Of(e);
                if (!slots.TryGetValue(key, out slot))
                {
                    slots[key] = slot = aggregates.Count;
                    aggregates.Add(new SeriesAggregate());
                }
                recent[next] = (e, slot);
                next = (next + 1) % recent.Length;
            }
            aggregates[slot].Add(e);
            slotOf[i] = slot;
        }

        await using var upsert = Command(connection, transaction, UpsertSeriesSql,
            "$model_event", "$entity", "$type", "$metric", "$variant", "$metric_hash", "$variant_hash", "$x_axis_label",
            "$count", "$sum", "$min", "$min_iter", "$max", "$max_iter", "$first", "$first_iter", "$last", "$last_iter", "$last_timestamp");
        var ids = new Dictionary<SeriesKey, long>(slots.Count);
        var idOfSlot = new long[slots.Count];
        foreach (var (key, slot) in slots)
        {
            var a = aggregates[slot];
            var isScalar = key.Type == EventTypes.Scalar;
            object?[] values =
            [
                key.IsModel ? 1 : 0, key.Entity, key.Type, key.Metric, key.Variant, Md5(key.Metric), Md5(key.Variant), a.XAxisLabel,
                isScalar ? a.Count : a.Count, isScalar ? a.Sum : 0.0,
                isScalar ? a.Min : null, isScalar ? a.MinIter : null, isScalar ? a.Max : null, isScalar ? a.MaxIter : null,
                isScalar ? a.First : null, isScalar ? a.FirstIter : null, isScalar ? a.Last : null, isScalar ? a.LastIter : null,
                isScalar ? a.LastTimestamp : null,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                upsert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            ids[key] = idOfSlot[slot] = (long)(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var seriesOf = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            seriesOf[i] = idOfSlot[slotOf[i]];
        }
        return (ids, seriesOf);
    }

    private static async Task UpdateEntitiesAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewEvent> events, Dictionary<SeriesKey, long> seriesIds,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Each entity's highest iteration (at least 0), looked up only when the entity changes.
        var entities = new Dictionary<EventEntity, long>();
        EventEntity? current = null;
        long currentMax = 0;
        foreach (var e in events)
        {
            if (current != e.Entity)
            {
                if (current is { } previous)
                {
                    entities[previous] = currentMax;
                }
                current = e.Entity;
                currentMax = entities.GetValueOrDefault(e.Entity);
            }
            currentMax = Math.Max(currentMax, e.Iteration);
        }
        if (current is { } last)
        {
            entities[last] = currentMax;
        }
        var scalarSeries = seriesIds.Where(kv => kv.Key.Type == EventTypes.Scalar)
            .GroupBy(kv => new EventEntity(kv.Key.Entity, kv.Key.IsModel), kv => kv.Value)
            .ToDictionary(g => g.Key, g => "[" + string.Join(",", g.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]");
        foreach (var (entity, maxIter) in entities)
        {
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            var table = entity.IsModel ? "models" : "tasks";
            // Only the touched entries change: a batch costs its own series, not the entity's whole set.
            var lastMetrics = scalarSeries.TryGetValue(entity, out var series)
                ? $", last_metrics = json_patch(COALESCE(last_metrics, '{{}}'), COALESCE({LastMetricsPatchSql}, '{{}}'))"
                : "";
            update.CommandText = $"UPDATE {table} SET last_iteration = MAX(last_iteration, $iter), last_update = $now{lastMetrics} WHERE id = $entity";
            update.Add("$iter", maxIter);
            update.Add("$now", SqlValues.ToDb(now));
            update.Add("$entity", entity.Id);
            update.Add("$model_event", entity.IsModel ? 1 : 0);
            update.Add("$max_metrics", MaxLastMetrics);
            update.Add("$series", series);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<EventSeries>> GetSeriesAsync(EventEntity entity, string? type, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, type, metric, variant, x_axis_label FROM event_series
            WHERE model_event = $model_event AND entity = $entity AND ($type IS NULL OR type = $type)
            ORDER BY metric, variant, type
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$type", type);
        var series = new List<EventSeries>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            series.Add(new EventSeries(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetStringOrNull(4)));
        }
        return series;
    }

    public async Task<IReadOnlyList<HistogramPoint>> GetScalarHistogramAsync(long seriesId, int samples, HistogramAxis axis, CancellationToken cancellationToken = default)
    {
        var column = axis == HistogramAxis.Iteration ? "iter" : "timestamp";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long count, min, max;
        await using (var stats = connection.CreateCommand())
        {
            // Only whether there are fewer points than samples matters, so the count stops there;
            // MIN and MAX of iter alone are index seeks. A full count would read the whole series.
            const string Points = "FROM scalar_events WHERE series = $series AND iter > $single";
            stats.CommandText = $"SELECT (SELECT COUNT(*) FROM (SELECT 1 {Points} LIMIT $samples)), (SELECT MIN({column}) {Points}), (SELECT MAX({column}) {Points})";
            stats.Add("$series", seriesId);
            stats.Add("$single", EventTypes.SingleValueIteration);
            stats.Add("$samples", samples);
            await using var reader = await stats.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            count = reader.GetInt64(0);
            if (count == 0)
            {
                return [];
            }
            (min, max) = (reader.GetInt64(1), reader.GetInt64(2));
        }

        await using var command = connection.CreateCommand();
        command.Add("$series", seriesId);
        command.Add("$single", EventTypes.SingleValueIteration);
        var interval = count < samples ? 1 : (long)Math.Ceiling(((double)max - min + 1) / samples);
        if (interval <= 1)
        {
            // Points at the same x (only possible on the time axis) share their mean.
            command.CommandText = axis == HistogramAxis.Iteration
                ? "SELECT iter, value FROM scalar_events WHERE series = $series AND iter > $single ORDER BY iter"
                : "SELECT timestamp, AVG(value) FROM scalar_events WHERE series = $series AND iter > $single GROUP BY timestamp ORDER BY timestamp";
        }
        else if (axis == HistogramAxis.Iteration)
        {
            // Buckets start at multiples of the interval, as Elasticsearch's histogram puts them.
            // Each bucket's mean is one range read of the (series, iter) key: no sort of the points.
            command.CommandText = """
                WITH RECURSIVE bucket(x) AS (SELECT $start UNION ALL SELECT x + $interval FROM bucket WHERE x + $interval <= $max)
                SELECT x, (SELECT AVG(value) FROM scalar_events WHERE series = $series AND iter >= x AND iter < x + $interval AND iter > $single) AS y
                FROM bucket
                """;
            command.Add("$start", FloorToMultiple(min, interval));
            command.Add("$interval", interval);
            command.Add("$max", max);
        }
        else
        {
            command.CommandText = """
                SELECT (timestamp / $interval) * $interval AS x, AVG(value) FROM scalar_events
                WHERE series = $series AND iter > $single GROUP BY x ORDER BY x
                """;
            command.Add("$interval", interval);
        }

        var points = new List<HistogramPoint>();
        await using var rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!rows.IsDBNull(1))
            {
                points.Add(new HistogramPoint(rows.GetInt64(0), rows.GetDouble(1)));
            }
        }
        return points;
    }

    private static long FloorToMultiple(long value, long interval)
    {
        var quotient = value / interval;
        if (value % interval != 0 && value < 0)
        {
            quotient--;
        }
        return quotient * interval;
    }

    public async Task<IReadOnlyList<JsonObject>> GetLatestAsync(long seriesId, int iterations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT compressed, document FROM other_events
            WHERE series = $series AND iter >= (SELECT MIN(iter) FROM (SELECT DISTINCT iter FROM other_events WHERE series = $series ORDER BY iter DESC LIMIT $iterations))
            ORDER BY iter DESC, seq
            """;
        command.Add("$series", seriesId);
        command.Add("$iterations", iterations);
        var documents = new List<JsonObject>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            documents.Add(Decode(reader.GetInt64(0) != 0, (byte[])reader.GetValue(1)));
        }
        return documents;
    }

    public async Task<IReadOnlyList<JsonObject>> GetImagesAsync(
        EventEntity entity, string? metric, long? before, long? after, int iterations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The iterations are picked first (nearest the bound, so ascending when reading forward),
        // then their events read in one pass.
        var pick = after is null ? "DESC" : "ASC";
        command.CommandText = $"""
            WITH s AS (SELECT id, metric, variant FROM event_series
                       WHERE model_event = $model_event AND entity = $entity AND type = 'training_debug_image' AND ($metric IS NULL OR metric = $metric)),
                 picked AS (SELECT DISTINCT iter FROM other_events
                            WHERE series IN (SELECT id FROM s) AND ($before IS NULL OR iter < $before) AND ($after IS NULL OR iter > $after)
                            ORDER BY iter {pick} LIMIT $iterations)
            SELECT o.compressed, o.document FROM other_events o JOIN s ON o.series = s.id
            WHERE o.iter IN (SELECT iter FROM picked)
            ORDER BY o.iter DESC, s.metric, s.variant, o.seq
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$metric", metric);
        command.Add("$before", before);
        command.Add("$after", after);
        command.Add("$iterations", iterations);
        var images = new List<JsonObject>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            images.Add(Decode(reader.GetInt64(0) != 0, (byte[])reader.GetValue(1)));
        }
        return images;
    }

    public async Task<ImageSample?> GetImageSampleAsync(EventEntity entity, string metric, string variant, long? iteration, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One series, so both reads are ranges of the (series, iter, event_key) index.
        const string Series =
            "(SELECT id FROM event_series WHERE model_event = $model_event AND entity = $entity AND type = 'training_debug_image' AND metric = $metric AND variant = $variant)";
        command.CommandText = $"SELECT MIN(iter), MAX(iter) FROM other_events WHERE series = {Series}";
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$metric", metric);
        command.Add("$variant", variant);
        long min, max;
        await using (var range = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await range.ReadAsync(cancellationToken).ConfigureAwait(false) || range.IsDBNull(0))
            {
                return null;
            }
            (min, max) = (range.GetInt64(0), range.GetInt64(1));
        }
        command.CommandText =
            $"SELECT compressed, document FROM other_events WHERE series = {Series} AND ($iteration IS NULL OR iter <= $iteration) " +
            "ORDER BY iter DESC, seq DESC LIMIT 1";
        command.Add("$iteration", iteration);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var sample = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? Decode(reader.GetInt64(0) != 0, (byte[])reader.GetValue(1))
            : null;
        return new ImageSample(sample, min, max);
    }

    public async Task<ImageSample?> GetNextImageSampleAsync(
        EventEntity entity, string? metric, string currentMetric, string currentVariant, long iteration, bool earlier, bool otherIteration,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var (beyond, order) = earlier ? ("<", "DESC") : (">", "ASC");
        var sameIteration = otherIteration ? "" : $"(o.iter = $iteration AND (s.metric, s.variant) {beyond} ($current_metric, $current_variant)) OR ";
        command.CommandText = $"""
            SELECT o.series, o.compressed, o.document FROM other_events o JOIN event_series s ON o.series = s.id
            WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'training_debug_image' AND ($metric IS NULL OR s.metric = $metric)
              AND ({sameIteration}o.iter {beyond} $iteration)
            ORDER BY o.iter {order}, s.metric {order}, s.variant {order}, o.seq DESC LIMIT 1
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$metric", metric);
        command.Add("$current_metric", currentMetric);
        command.Add("$current_variant", currentVariant);
        command.Add("$iteration", iteration);
        long series;
        JsonObject image;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            series = reader.GetInt64(0);
            image = Decode(reader.GetInt64(1) != 0, (byte[])reader.GetValue(2));
        }
        command.Parameters.Clear();
        command.CommandText = "SELECT MIN(iter), MAX(iter) FROM other_events WHERE series = $series";
        command.Add("$series", series);
        await using var range = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await range.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ImageSample(image, range.GetInt64(0), range.GetInt64(1));
    }

    public async Task<IReadOnlyList<SingleValue>> GetSingleValuesAsync(EventEntity entity, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.metric, s.variant, e.value, e.timestamp FROM event_series s
            JOIN scalar_events e ON e.series = s.id AND e.iter = $single
            WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'training_stats_scalar'
            ORDER BY s.metric, s.variant
            """;
        command.Add("$single", EventTypes.SingleValueIteration);
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        var values = new List<SingleValue>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(new SingleValue(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetInt64(3)));
        }
        return values;
    }

    public async Task<EventScrollPage> GetEventsAsync(
        EventEntity entity, IReadOnlyCollection<long>? seriesIds, bool descending, string? after, int take, CancellationToken cancellationToken = default)
    {
        var position = after is null ? null : EventsCursor.Parse(after);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        // Keyset: each branch starts right after the last row of the previous page, in the one
        // direction every sort key shares, so a page never re-reads what earlier pages returned.
        var comparison = descending ? "<" : ">";
        var scalarAfter = position is null ? "" : $" WHERE (e.timestamp, 0, s.id, e.iter, 0) {comparison} ($ts, $source, $series, $iter, $seq)";
        var otherAfter = position is null ? "" : $" WHERE (o.timestamp, 1, s.id, o.iter, o.seq) {comparison} ($ts, $source, $series, $iter, $seq)";
        if (position is { } p)
        {
            command.Add("$ts", p.Timestamp);
            command.Add("$source", p.Source);
            command.Add("$series", p.Series);
            command.Add("$iter", p.Iteration);
            command.Add("$seq", p.Seq);
        }
        var direction = descending ? "DESC" : "ASC";
        command.CommandText = $"""
            WITH s AS ({SeriesSql})
            SELECT e.timestamp AS timestamp, 0 AS source, s.id AS series, e.iter AS iter, 0 AS seq, s.type, s.metric, s.variant, e.value, NULL AS compressed, NULL AS document
                FROM scalar_events e JOIN s ON e.series = s.id{scalarAfter}
            UNION ALL
            SELECT o.timestamp, 1, s.id, o.iter, o.seq, s.type, s.metric, s.variant, NULL, o.compressed, o.document
                FROM other_events o JOIN s ON o.series = s.id{otherAfter}
            ORDER BY timestamp {direction}, source {direction}, series {direction}, iter {direction}, seq {direction} LIMIT $take
            """;
        command.Add("$take", take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JsonObject>();
        EventsCursor? last = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(reader.IsDBNull(10)
                ? ScalarDocument(entity, reader.GetInt64(0), reader.GetInt64(3), reader.GetString(6), reader.GetString(7), reader.GetDouble(8))
                : Decode(reader.GetInt64(9) != 0, (byte[])reader.GetValue(10)));
            last = new EventsCursor(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
        return new EventScrollPage(events, last?.ToString());
    }

    public async Task<long> CountEventsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        // A scalar series counts its points as they come (a re-sent point is taken back out), so
        // only the other events are counted row by row.
        command.CommandText = $"""
            WITH s AS ({SeriesSql})
            SELECT (SELECT COALESCE(SUM(count), 0) FROM s WHERE type = 'training_stats_scalar')
                 + (SELECT COUNT(*) FROM other_events WHERE series IN (SELECT id FROM s WHERE type <> 'training_stats_scalar'))
            """;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // The latest $iterations iterations of each plot series: one index range per series.
    private const string LatestPlotsSql = """
        WITH s AS (SELECT id, metric, variant,
                       (SELECT MIN(iter) FROM (SELECT DISTINCT iter FROM other_events WHERE series = event_series.id ORDER BY iter DESC LIMIT $iterations)) AS min_iter
                   FROM event_series WHERE model_event = $model_event AND entity = $entity AND type = 'plot' AND ($series_ids IS NULL OR id IN (SELECT value FROM json_each($series_ids))))
        """;

    public async Task<EventScrollPage> GetLatestPlotsAsync(
        EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, string? after, int take, CancellationToken cancellationToken = default)
    {
        var position = after is null ? null : PlotsCursor.Parse(after);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        command.Add("$iterations", iterations);
        command.Add("$take", take);
        // By metric and variant ascending, then iteration descending and arrival: the keyset is
        // spelled out because the directions differ.
        var keyset = position is null ? "" : """
             AND (s.metric > $metric OR (s.metric = $metric AND (s.variant > $variant
                  OR (s.variant = $variant AND (o.iter < $iter OR (o.iter = $iter AND o.seq > $seq))))))
            """;
        if (position is { } p)
        {
            command.Add("$metric", p.Metric);
            command.Add("$variant", p.Variant);
            command.Add("$iter", p.Iteration);
            command.Add("$seq", p.Seq);
        }
        command.CommandText = $"""
            {LatestPlotsSql}
            SELECT s.metric, s.variant, o.iter, o.seq, o.compressed, o.document
            FROM s JOIN other_events o ON o.series = s.id AND o.iter >= s.min_iter{keyset}
            ORDER BY s.metric, s.variant, o.iter DESC, o.seq LIMIT $take
            """;
        var plots = new List<JsonObject>();
        PlotsCursor? last = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plots.Add(Decode(reader.GetInt64(4) != 0, (byte[])reader.GetValue(5)));
            last = new PlotsCursor(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        return new EventScrollPage(plots, last?.ToString());
    }

    public async Task<long> CountLatestPlotsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        command.Add("$iterations", iterations);
        command.CommandText = $"{LatestPlotsSql} SELECT COUNT(*) FROM s JOIN other_events o ON o.series = s.id AND o.iter >= s.min_iter";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<SingleValue>>> GetSingleValuesAsync(
        bool models, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.entity, s.metric, s.variant, e.value, e.timestamp FROM event_series s
            JOIN scalar_events e ON e.series = s.id AND e.iter = $single
            WHERE s.model_event = $model_event AND s.entity IN (SELECT value FROM json_each($ids)) AND s.type = 'training_stats_scalar'
            ORDER BY s.entity, s.metric, s.variant
            """;
        command.Add("$single", EventTypes.SingleValueIteration);
        command.Add("$model_event", models ? 1 : 0);
        command.Add("$ids", JsonSerializer.Serialize(ids));
        var values = new Dictionary<string, IReadOnlyList<SingleValue>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!values.TryGetValue(id, out var list))
            {
                values[id] = list = new List<SingleValue>();
            }
            ((List<SingleValue>)list).Add(new SingleValue(reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.GetInt64(4)));
        }
        return values;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetMetricNamesAsync(
        bool models, IReadOnlyCollection<string> ids, string? type, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT entity, metric FROM event_series
            WHERE model_event = $model_event AND entity IN (SELECT value FROM json_each($ids)) AND ($type IS NULL OR type = $type)
            ORDER BY entity, metric
            """;
        command.Add("$model_event", models ? 1 : 0);
        command.Add("$ids", JsonSerializer.Serialize(ids));
        command.Add("$type", type);
        var names = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!names.TryGetValue(id, out var list))
            {
                names[id] = list = new List<string>();
            }
            ((List<string>)list).Add(reader.GetString(1));
        }
        return names;
    }

    private const string SeriesSql =
        "SELECT id, type, metric, variant, count FROM event_series WHERE model_event = $model_event AND entity = $entity " +
        "AND ($series_ids IS NULL OR id IN (SELECT value FROM json_each($series_ids)))";

    private static void AddEntity(SqliteCommand command, EventEntity entity, IReadOnlyCollection<long>? seriesIds)
    {
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$series_ids", seriesIds is null ? null : JsonSerializer.Serialize(seriesIds));
    }

    public async Task<EventPage> GetLogAsync(EventEntity entity, long? fromTimestamp, bool earlier, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var bound = fromTimestamp is null ? "" : earlier ? " AND o.timestamp < $from" : " AND o.timestamp > $from";
        var direction = earlier ? "DESC" : "ASC";
        command.CommandText = $"""
            SELECT COUNT(*) FROM other_events o JOIN event_series s ON o.series = s.id
                WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'log';
            SELECT o.compressed, o.document, o.timestamp, o.seq FROM other_events o JOIN event_series s ON o.series = s.id
                WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'log'{bound}
                ORDER BY o.timestamp {direction}, o.seq {direction} LIMIT $take
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$from", fromTimestamp);
        command.Add("$take", take);
        var events = new List<JsonObject>();
        long total, lastTimestamp = 0, lastSeq = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            total = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(Decode(reader.GetInt64(0) != 0, (byte[])reader.GetValue(1)));
                (lastTimestamp, lastSeq) = (reader.GetInt64(2), reader.GetInt64(3));
            }
        }
        if (events.Count < take)
        {
            return new EventPage(events, total);
        }
        // A full page ends with all of its last millisecond's lines, as ClearML's does: the next
        // page starts past that timestamp (from_timestamp), so lines left behind would be skipped.
        await using var rest = connection.CreateCommand();
        rest.CommandText = $"""
            SELECT o.compressed, o.document FROM other_events o JOIN event_series s ON o.series = s.id
                WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'log'
                    AND o.timestamp = $last AND o.seq {(earlier ? "<" : ">")} $seq
                ORDER BY o.seq {direction} LIMIT $limit
            """;
        rest.Add("$model_event", entity.IsModel ? 1 : 0);
        rest.Add("$entity", entity.Id);
        rest.Add("$last", lastTimestamp);
        rest.Add("$seq", lastSeq);
        rest.Add("$limit", EventLimits.SameTimestampLogLines);
        await using var restReader = await rest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await restReader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(Decode(restReader.GetInt64(0) != 0, (byte[])restReader.GetValue(1)));
        }
        return new EventPage(events, total);
    }

    public async Task<long> DeleteAsync(EventEntity entity, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var table = entity.IsModel ? "models" : "tasks";
        const string Series = "(SELECT id FROM event_series WHERE model_event = $model_event AND entity = $entity)";
        command.CommandText = $"""
            DELETE FROM scalar_events WHERE series IN {Series};
            SELECT changes();
            DELETE FROM other_events WHERE series IN {Series};
            SELECT changes();
            DELETE FROM event_series WHERE model_event = $model_event AND entity = $entity;
            UPDATE {table} SET last_metrics = NULL WHERE id = $entity;
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        long deleted = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    deleted += reader.GetInt64(0);
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private static JsonObject ScalarDocument(EventEntity entity, long timestamp, long iter, string metric, string variant, double value)
    {
        var document = new JsonObject
        {
            ["timestamp"] = timestamp,
            ["type"] = EventTypes.Scalar,
            ["task"] = entity.Id,
            ["iter"] = iter,
            ["metric"] = metric,
            ["variant"] = variant,
            ["value"] = value,
        };
        if (entity.IsModel)
        {
            document["model_event"] = true;
        }
        return document;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        }
        return command;
    }

    /// <summary>The document as UTF-8 JSON, gzip-compressed when it is large (a big plot).</summary>
    private static (bool Compressed, byte[] Bytes) Encode(JsonObject document)
    {
        var json = document.ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(json);
        if (json.Length < CompressFromChars)
        {
            return (false, bytes);
        }
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }
        return (true, buffer.ToArray());
    }

    private static JsonObject Decode(bool compressed, byte[] bytes)
    {
        if (!compressed)
        {
            return JsonNode.Parse(bytes)!.AsObject();
        }
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        return JsonNode.Parse(gzip)!.AsObject();
    }

    // md5 is ClearML's key format for last_metrics, not a security measure.
#pragma warning disable CA5351
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    /// <summary>
    /// <c>INSERT OR IGNORE</c> of one scalar point as a raw SQLite statement, prepared once per batch
    /// on the batch's connection (so inside its transaction) and bound by position.
    /// </summary>
    private sealed class PointInsert : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        private PointInsert(sqlite3 db, sqlite3_stmt statement) => (_db, _statement) = (db, statement);

        public static PointInsert Prepare(SqliteConnection connection)
        {
            var db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
            var rc = raw.sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO scalar_events (series, iter, timestamp, value) VALUES (?1, ?2, ?3, ?4)", out var statement);
            if (rc != raw.SQLITE_OK)
            {
                statement.Dispose();
                SqliteException.ThrowExceptionForRC(rc, db);
            }
            return new PointInsert(db, statement);
        }

        /// <summary>Inserts the point; false when the series already has a point at that iteration (nothing is written).</summary>
        public bool Insert(long series, long iteration, long timestamp, double value)
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, series));
            Check(raw.sqlite3_bind_int64(_statement, 2, iteration));
            Check(raw.sqlite3_bind_int64(_statement, 3, timestamp));
            Check(raw.sqlite3_bind_double(_statement, 4, value));
            var rc = raw.sqlite3_step(_statement);
            // Reset returns the step's error again, and readies the statement for the next point.
            var reset = raw.sqlite3_reset(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(reset != raw.SQLITE_OK ? reset : rc, _db);
            }
            return raw.sqlite3_changes(_db) > 0;
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }

        public void Dispose() => _statement.Dispose();
    }
}
