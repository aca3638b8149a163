using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Microsoft.Data.Sqlite;

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

        var seriesIds = await UpsertSeriesAsync(connection, transaction, events, cancellationToken).ConfigureAwait(false);

        await using var scalar = Command(connection, transaction, """
            INSERT OR IGNORE INTO scalar_events (series, iter, timestamp, value) VALUES ($series, $iter, $timestamp, $value)
            """, "$series", "$iter", "$timestamp", "$value");
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

        foreach (var e in events)
        {
            var series = seriesIds[SeriesKey.Of(e)];
            if (e.Type == EventTypes.Scalar)
            {
                scalar.Parameters[0].Value = series;
                scalar.Parameters[1].Value = e.Iteration;
                scalar.Parameters[2].Value = e.Timestamp;
                scalar.Parameters[3].Value = e.Value;
                // Synchronous on purpose: SQLite's async calls run synchronously anyway, and per
                // point the Task bookkeeping costs more than the insert.
                if (scalar.ExecuteNonQuery() == 0)
                {
                    for (var i = 0; i < 4; i++)
                    {
                        replace.Parameters[i].Value = scalar.Parameters[i].Value;
                    }
                    previous.Parameters[0].Value = series;
                    previous.Parameters[1].Value = e.Iteration;
                    var old = Convert.ToDouble(previous.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
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
        foreach (var e in events)
        {
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

    /// <summary>One upsert per series the batch touches, with the batch's aggregates; the series ids by key.</summary>
    private static async Task<Dictionary<SeriesKey, long>> UpsertSeriesAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var aggregates = new Dictionary<SeriesKey, SeriesAggregate>();
        foreach (var e in events)
        {
            var key = SeriesKey.Of(e);
            if (!aggregates.TryGetValue(key, out var aggregate))
            {
                aggregates[key] = aggregate = new SeriesAggregate();
            }
            aggregate.Add(e);
        }

        await using var upsert = Command(connection, transaction, UpsertSeriesSql,
            "$model_event", "$entity", "$type", "$metric", "$variant", "$metric_hash", "$variant_hash", "$x_axis_label",
            "$count", "$sum", "$min", "$min_iter", "$max", "$max_iter", "$first", "$first_iter", "$last", "$last_iter", "$last_timestamp");
        var ids = new Dictionary<SeriesKey, long>(aggregates.Count);
        foreach (var (key, a) in aggregates)
        {
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
            ids[key] = (long)(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        return ids;
    }

    private static async Task UpdateEntitiesAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewEvent> events, Dictionary<SeriesKey, long> seriesIds,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entities = new Dictionary<EventEntity, long>();
        foreach (var e in events)
        {
            entities[e.Entity] = entities.TryGetValue(e.Entity, out var maxIter) ? Math.Max(maxIter, e.Iteration) : Math.Max(0, e.Iteration);
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

    public async Task<EventPage> GetEventsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, bool descending, long skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var filter = seriesIds is null ? "" : $" AND id IN (SELECT value FROM json_each($series_ids))";
        command.Add("$series_ids", seriesIds is null ? null : "[" + string.Join(",", seriesIds.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]");
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        var union = $"""
            WITH s AS (SELECT id, type, metric, variant FROM event_series WHERE model_event = $model_event AND entity = $entity{filter})
            SELECT e.timestamp AS timestamp, 0 AS source, s.id AS series, e.iter AS iter, 0 AS seq, s.type, s.metric, s.variant, e.value, NULL AS compressed, NULL AS document
                FROM scalar_events e JOIN s ON e.series = s.id
            UNION ALL
            SELECT o.timestamp, 1, s.id, o.iter, o.seq, s.type, s.metric, s.variant, NULL, o.compressed, o.document
                FROM other_events o JOIN s ON o.series = s.id
            """;
        var direction = descending ? "DESC" : "ASC";
        command.CommandText = $"""
            SELECT COUNT(*) FROM ({union});
            {union} ORDER BY timestamp {direction}, source, series, iter {direction}, seq LIMIT $take OFFSET $skip
            """;
        command.Add("$take", take);
        command.Add("$skip", skip);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JsonObject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(reader.IsDBNull(10)
                ? ScalarDocument(entity, reader.GetInt64(0), reader.GetInt64(3), reader.GetString(6), reader.GetString(7), reader.GetDouble(8))
                : Decode(reader.GetInt64(9) != 0, (byte[])reader.GetValue(10)));
        }
        return new EventPage(events, total);
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
            SELECT o.compressed, o.document FROM other_events o JOIN event_series s ON o.series = s.id
                WHERE s.model_event = $model_event AND s.entity = $entity AND s.type = 'log'{bound}
                ORDER BY o.timestamp {direction}, o.seq {direction} LIMIT $take
            """;
        command.Add("$model_event", entity.IsModel ? 1 : 0);
        command.Add("$entity", entity.Id);
        command.Add("$from", fromTimestamp);
        command.Add("$take", take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JsonObject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(Decode(reader.GetInt64(0) != 0, (byte[])reader.GetValue(1)));
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

    private readonly record struct SeriesKey(bool IsModel, string Entity, string Type, string Metric, string Variant)
    {
        public static SeriesKey Of(NewEvent e) => new(e.Entity.IsModel, e.Entity.Id, e.Type, e.Metric, e.Variant);
    }

    /// <summary>A batch's contribution to one series: count, sum, extremes, first and last point.</summary>
    private sealed class SeriesAggregate
    {
        public long Count;
        public double Sum;
        public double? Min, Max, First, Last;
        public long? MinIter, MaxIter, FirstIter, LastIter, LastTimestamp;
        public string? XAxisLabel;

        public void Add(NewEvent e)
        {
            Count++;
            XAxisLabel = e.XAxisLabel ?? XAxisLabel;
            if (e.Type != EventTypes.Scalar)
            {
                return;
            }
            Sum += e.Value;
            if (Min is null || e.Value < Min)
            {
                (Min, MinIter) = (e.Value, e.Iteration);
            }
            if (Max is null || e.Value > Max)
            {
                (Max, MaxIter) = (e.Value, e.Iteration);
            }
            if (FirstIter is null || e.Iteration < FirstIter)
            {
                (First, FirstIter) = (e.Value, e.Iteration);
            }
            if (LastIter is null || (e.Iteration, e.Timestamp).CompareTo((LastIter.Value, LastTimestamp!.Value)) >= 0)
            {
                (Last, LastIter, LastTimestamp) = (e.Value, e.Iteration, e.Timestamp);
            }
        }
    }
}
