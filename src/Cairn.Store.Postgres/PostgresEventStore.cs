using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Cairn.Store.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Cairn.Store.Postgres;

/// <summary>
/// Events in three tables (migration 006), as the SQLite store keeps them: a series per (entity,
/// type, metric, variant) holding the running aggregates, scalar points keyed by (series, iter),
/// and other events as JSON documents. A batch is a handful of statements whatever its size: the
/// points go in as arrays (<c>unnest</c>), and the entities' rows are locked first, so concurrent
/// batches to one entity take turns and never lose a <c>last_metrics</c> update.
/// </summary>
internal sealed class PostgresEventStore(PostgresDatabase database) : IEventStore
{
    /// <summary>ClearML compresses plot documents from this many characters on (api.md §5.4).</summary>
    internal const int CompressFromChars = 100_000;

    /// <summary>ClearML keeps at most this many metric/variant pairs in an entity's last_metrics.</summary>
    private const int MaxLastMetrics = 2000;

    private const string UpsertSeriesSql = """
        INSERT INTO event_series AS s (model_event, entity, type, metric, variant, metric_hash, variant_hash, x_axis_label,
            count, sum_value, min_value, min_iter, max_value, max_iter, first_value, first_iter, last_value, last_iter, last_timestamp)
        SELECT * FROM unnest(@model_event, @entity, @type, @metric, @variant, @metric_hash, @variant_hash, @x_axis_label,
            @count, @sum, @min, @min_iter, @max, @max_iter, @first, @first_iter, @last, @last_iter, @last_timestamp)
        ON CONFLICT (model_event, entity, type, metric, variant) DO UPDATE SET
            x_axis_label = COALESCE(excluded.x_axis_label, s.x_axis_label),
            count = s.count + excluded.count,
            sum_value = s.sum_value + excluded.sum_value,
            min_iter = CASE WHEN excluded.min_value IS NOT NULL AND (s.min_value IS NULL OR excluded.min_value < s.min_value) THEN excluded.min_iter ELSE s.min_iter END,
            min_value = CASE WHEN excluded.min_value IS NOT NULL AND (s.min_value IS NULL OR excluded.min_value < s.min_value) THEN excluded.min_value ELSE s.min_value END,
            max_iter = CASE WHEN excluded.max_value IS NOT NULL AND (s.max_value IS NULL OR excluded.max_value > s.max_value) THEN excluded.max_iter ELSE s.max_iter END,
            max_value = CASE WHEN excluded.max_value IS NOT NULL AND (s.max_value IS NULL OR excluded.max_value > s.max_value) THEN excluded.max_value ELSE s.max_value END,
            first_value = CASE WHEN excluded.first_iter IS NOT NULL AND (s.first_iter IS NULL OR excluded.first_iter < s.first_iter) THEN excluded.first_value ELSE s.first_value END,
            first_iter = CASE WHEN excluded.first_iter IS NOT NULL AND (s.first_iter IS NULL OR excluded.first_iter < s.first_iter) THEN excluded.first_iter ELSE s.first_iter END,
            last_value = CASE WHEN excluded.last_iter IS NOT NULL AND (s.last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (s.last_iter, s.last_timestamp)) THEN excluded.last_value ELSE s.last_value END,
            last_timestamp = CASE WHEN excluded.last_iter IS NOT NULL AND (s.last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (s.last_iter, s.last_timestamp)) THEN excluded.last_timestamp ELSE s.last_timestamp END,
            last_iter = CASE WHEN excluded.last_iter IS NOT NULL AND (s.last_iter IS NULL OR (excluded.last_iter, excluded.last_timestamp) >= (s.last_iter, s.last_timestamp)) THEN excluded.last_iter ELSE s.last_iter END
        RETURNING s.id, s.model_event, s.entity, s.type, s.metric, s.variant
        """;

    public async Task<EventAddResult> AddAsync(string company, IReadOnlyList<NewEvent> events, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return new EventAddResult(0, new HashSet<EventEntity>());
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var refused = await LockEntitiesAsync(connection, transaction, company, events, cancellationToken).ConfigureAwait(false);
        if (refused.Count > 0)
        {
            events = events.Where(e => !refused.Contains(e.Entity)).ToList();
            if (events.Count == 0)
            {
                return new EventAddResult(0, refused);
            }
        }

        var (seriesIds, seriesOf) = await UpsertSeriesAsync(connection, transaction, events, cancellationToken).ConfigureAwait(false);

        // A point sent again for the same iteration replaces the stored one (also within the
        // batch: the last one wins). The series totals counted every point as new, so each
        // replaced value is taken back out of count and sum.
        var replaced = new Dictionary<long, (long Count, double Sum)>();
        var points = new Dictionary<(long Series, long Iter), int>();
        var pointSeries = new List<long>();
        var pointIter = new List<long>();
        var pointTime = new List<long>();
        var pointValue = new List<double>();
        var others = new Dictionary<(long Series, long Iter, string Key), int>();
        var otherSeries = new List<long>();
        var otherIter = new List<long>();
        var otherTime = new List<long>();
        var otherKey = new List<string?>();
        var otherCompressed = new List<bool>();
        var otherDocument = new List<byte[]>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var series = seriesOf[i];
            if (e.Type == EventTypes.Scalar)
            {
                if (points.TryGetValue((series, e.Iteration), out var at))
                {
                    var (count, sum) = replaced.GetValueOrDefault(series);
                    replaced[series] = (count + 1, sum + pointValue[at]);
                    pointTime[at] = e.Timestamp;
                    pointValue[at] = e.Value;
                    continue;
                }
                points[(series, e.Iteration)] = pointSeries.Count;
                pointSeries.Add(series);
                pointIter.Add(e.Iteration);
                pointTime.Add(e.Timestamp);
                pointValue.Add(e.Value);
            }
            else
            {
                var (compressed, document) = Encode(e.Document ?? []);
                // Logs carry no key, so they never collide and always append.
                var key = e.Type == EventTypes.Log ? null : e.Key ?? "";
                if (key is not null && others.TryGetValue((series, e.Iteration, key), out var at))
                {
                    otherTime[at] = e.Timestamp;
                    otherCompressed[at] = compressed;
                    otherDocument[at] = document;
                    continue;
                }
                if (key is not null)
                {
                    others[(series, e.Iteration, key)] = otherSeries.Count;
                }
                otherSeries.Add(series);
                otherIter.Add(e.Iteration);
                otherTime.Add(e.Timestamp);
                otherKey.Add(key);
                otherCompressed.Add(compressed);
                otherDocument.Add(document);
            }
        }

        if (pointSeries.Count > 0)
        {
            if (await AllAfterStoredAsync(connection, transaction, pointSeries, pointIter, cancellationToken).ConfigureAwait(false))
            {
                // The common case, a run reporting new iterations: no point replaces a stored one
                // (the entity's lock keeps other batches of its series out), so the points are
                // copied in binary, the fastest way into PostgreSQL.
                await CopyPointsAsync(connection, pointSeries, pointIter, pointTime, pointValue, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // One statement for the batch's points: the stored points they replace are read from
                // the snapshot before the insert (a CTE's statements all see the same one), one key
                // lookup per point (LATERAL: the planner, which estimates an unnest at a few rows,
                // would otherwise hash the whole table against them).
                await using var insert = new NpgsqlCommand("""
                    WITH p AS (SELECT * FROM unnest(@series, @iter, @timestamp, @value) AS p(series, iter, timestamp, value)),
                         prev AS (SELECT p.series, COUNT(*) AS n, SUM(e.value) AS total
                                  FROM p CROSS JOIN LATERAL (SELECT value FROM scalar_events e WHERE e.series = p.series AND e.iter = p.iter) e
                                  GROUP BY p.series),
                         ins AS (INSERT INTO scalar_events (series, iter, timestamp, value) SELECT series, iter, timestamp, value FROM p
                                 ON CONFLICT (series, iter) DO UPDATE SET timestamp = excluded.timestamp, value = excluded.value)
                    SELECT series, n, total FROM prev
                    """, connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter<long[]>("series", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. pointSeries] });
                insert.Parameters.Add(new NpgsqlParameter<long[]>("iter", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. pointIter] });
                insert.Parameters.Add(new NpgsqlParameter<long[]>("timestamp", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. pointTime] });
                insert.Parameters.Add(new NpgsqlParameter<double[]>("value", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. pointValue] });
                await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var series = reader.GetInt64(0);
                    var (count, sum) = replaced.GetValueOrDefault(series);
                    replaced[series] = (count + reader.GetInt64(1), sum + reader.GetDouble(2));
                }

            }
        }

        if (otherSeries.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO other_events (series, iter, timestamp, event_key, compressed, document)
                SELECT series, iter, timestamp, event_key, compressed, document
                FROM unnest(@series, @iter, @timestamp, @event_key, @compressed, @document) WITH ORDINALITY
                     AS o(series, iter, timestamp, event_key, compressed, document, position)
                ORDER BY position
                ON CONFLICT (series, iter, event_key) DO UPDATE SET
                    timestamp = excluded.timestamp, compressed = excluded.compressed, document = excluded.document
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<long[]>("series", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. otherSeries] });
            insert.Parameters.Add(new NpgsqlParameter<long[]>("iter", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. otherIter] });
            insert.Parameters.Add(new NpgsqlParameter<long[]>("timestamp", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. otherTime] });
            insert.Parameters.Add(new NpgsqlParameter<string?[]>("event_key", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. otherKey] });
            insert.Parameters.Add(new NpgsqlParameter<bool[]>("compressed", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = [.. otherCompressed] });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]>("document", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = [.. otherDocument] });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (replaced.Count > 0)
        {
            await using var correct = new NpgsqlCommand("""
                UPDATE event_series s SET count = s.count - c.count, sum_value = s.sum_value - c.total
                FROM unnest(@series, @count, @total) AS c(series, count, total) WHERE s.id = c.series
                """, connection, transaction);
            correct.Parameters.Add(new NpgsqlParameter<long[]>("series", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. replaced.Keys] });
            correct.Parameters.Add(new NpgsqlParameter<long[]>("count", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. replaced.Values.Select(v => v.Count)] });
            correct.Parameters.Add(new NpgsqlParameter<double[]>("total", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. replaced.Values.Select(v => v.Sum)] });
            await correct.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await UpdateEntitiesAsync(connection, transaction, events, seriesIds, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new EventAddResult(events.Count, refused);
    }

    /// <summary>
    /// Whether every point comes after the last stored iteration of its series (one index probe
    /// per series), so that none can replace a stored point.
    /// </summary>
    private static async Task<bool> AllAfterStoredAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<long> series, List<long> iters, CancellationToken cancellationToken)
    {
        var first = new Dictionary<long, long>();
        for (var i = 0; i < series.Count; i++)
        {
            first[series[i]] = first.TryGetValue(series[i], out var low) ? Math.Min(low, iters[i]) : iters[i];
        }
        await using var command = new NpgsqlCommand(
            "SELECT s.id, (SELECT MAX(iter) FROM scalar_events e WHERE e.series = s.id) FROM unnest(@series) AS s(id)", connection, transaction);
        command.AddLongArray("series", first.Keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var after = true;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            after &= reader.IsDBNull(1) || first[reader.GetInt64(0)] > reader.GetInt64(1);
        }
        return after;
    }

    private static async Task CopyPointsAsync(
        NpgsqlConnection connection, List<long> series, List<long> iters, List<long> timestamps, List<double> values, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY scalar_events (series, iter, timestamp, value) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < series.Count; i++)
        {
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(series[i], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(iters[i], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(timestamps[i], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(values[i], NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        }
        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Locks the rows of the entities that take these events, in one order (so two batches never
    /// deadlock), and returns those that take none: not a company task or model, or locked (a task
    /// published or publishing, a ready model) for events that do not say <c>allow_locked</c>.
    /// </summary>
    private static async Task<HashSet<EventEntity>> LockEntitiesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string company, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
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
        await using var task = new NpgsqlCommand("""
            SELECT 1 FROM tasks WHERE id = @id AND company = @company AND (@locked OR status NOT IN ('published', 'publishing')) FOR UPDATE
            """, connection, transaction);
        await using var model = new NpgsqlCommand(
            "SELECT 1 FROM models WHERE id = @id AND company = @company AND (@locked OR NOT ready) FOR UPDATE", connection, transaction);
        foreach (var check in new[] { task, model })
        {
            check.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text));
            check.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Text) { Value = company });
            check.Parameters.Add(new NpgsqlParameter("locked", NpgsqlDbType.Boolean));
        }
        var refused = new HashSet<EventEntity>();
        foreach (var (entity, locked) in allowLocked.OrderBy(kv => kv.Key.IsModel).ThenBy(kv => kv.Key.Id, StringComparer.Ordinal))
        {
            var check = entity.IsModel ? model : task;
            check.Parameters[0].Value = entity.Id;
            check.Parameters[2].Value = locked;
            if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                refused.Add(entity);
            }
        }
        return refused;
    }

    /// <summary>
    /// One upsert of every series the batch touches, with the batch's aggregates: the series ids
    /// by key, and each event's series id by the event's index.
    /// </summary>
    private static async Task<(Dictionary<SeriesKey, long> Ids, long[] SeriesOf)> UpsertSeriesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var slots = new Dictionary<SeriesKey, int>();
        var aggregates = new List<SeriesAggregate>();
        var slotOf = new int[events.Count];
        // The series of the last few events, matched by the identity of their strings (a batch
        // read from one body shares one string per name), so most events skip the hashing.
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

        // In key order, so that batches of different entities sharing no series still lock series rows in one order.
        var keys = slots.Keys
            .OrderBy(k => k.IsModel).ThenBy(k => k.Entity, StringComparer.Ordinal).ThenBy(k => k.Type, StringComparer.Ordinal)
            .ThenBy(k => k.Metric, StringComparer.Ordinal).ThenBy(k => k.Variant, StringComparer.Ordinal).ToList();
        var a = keys.Select(k => (Key: k, Aggregate: aggregates[slots[k]], IsScalar: k.Type == EventTypes.Scalar)).ToList();
        await using var upsert = new NpgsqlCommand(UpsertSeriesSql, connection, transaction);
        void Array<T>(string name, NpgsqlDbType type, Func<(SeriesKey Key, SeriesAggregate Aggregate, bool IsScalar), T> value) =>
            upsert.Parameters.Add(new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | type) { TypedValue = a.Select(value).ToArray() });
        Array("model_event", NpgsqlDbType.Boolean, x => x.Key.IsModel);
        Array("entity", NpgsqlDbType.Text, x => x.Key.Entity);
        Array("type", NpgsqlDbType.Text, x => x.Key.Type);
        Array("metric", NpgsqlDbType.Text, x => x.Key.Metric);
        Array("variant", NpgsqlDbType.Text, x => x.Key.Variant);
        Array("metric_hash", NpgsqlDbType.Text, x => Md5(x.Key.Metric));
        Array("variant_hash", NpgsqlDbType.Text, x => Md5(x.Key.Variant));
        Array("x_axis_label", NpgsqlDbType.Text, x => x.Aggregate.XAxisLabel);
        Array("count", NpgsqlDbType.Bigint, x => x.Aggregate.Count);
        Array("sum", NpgsqlDbType.Double, x => x.IsScalar ? x.Aggregate.Sum : 0.0);
        Array("min", NpgsqlDbType.Double, x => x.IsScalar ? x.Aggregate.Min : null);
        Array("min_iter", NpgsqlDbType.Bigint, x => x.IsScalar ? x.Aggregate.MinIter : null);
        Array("max", NpgsqlDbType.Double, x => x.IsScalar ? x.Aggregate.Max : null);
        Array("max_iter", NpgsqlDbType.Bigint, x => x.IsScalar ? x.Aggregate.MaxIter : null);
        Array("first", NpgsqlDbType.Double, x => x.IsScalar ? x.Aggregate.First : null);
        Array("first_iter", NpgsqlDbType.Bigint, x => x.IsScalar ? x.Aggregate.FirstIter : null);
        Array("last", NpgsqlDbType.Double, x => x.IsScalar ? x.Aggregate.Last : null);
        Array("last_iter", NpgsqlDbType.Bigint, x => x.IsScalar ? x.Aggregate.LastIter : null);
        Array("last_timestamp", NpgsqlDbType.Bigint, x => x.IsScalar ? x.Aggregate.LastTimestamp : null);

        var ids = new Dictionary<SeriesKey, long>(slots.Count);
        var idOfSlot = new long[slots.Count];
        await using (var reader = await upsert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = new SeriesKey(reader.GetBoolean(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
                var id = reader.GetInt64(0);
                ids[key] = id;
                idOfSlot[slots[key]] = id;
            }
        }
        var seriesOf = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            seriesOf[i] = idOfSlot[slotOf[i]];
        }
        return (ids, seriesOf);
    }

    private static async Task UpdateEntitiesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewEvent> events, Dictionary<SeriesKey, long> seriesIds,
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
            .ToDictionary(g => g.Key, g => g.ToArray());
        foreach (var (entity, maxIter) in entities)
        {
            var table = entity.IsModel ? "models" : "tasks";
            string? lastMetrics = null;
            if (scalarSeries.TryGetValue(entity, out var series))
            {
                // The entity's row is locked (LockEntitiesAsync): this read-modify-write is the only one.
                lastMetrics = await PatchLastMetricsAsync(connection, transaction, entity, table, series, cancellationToken).ConfigureAwait(false);
            }
            await using var update = new NpgsqlCommand(
                $"UPDATE {table} SET last_iteration = GREATEST(last_iteration, @iter), last_update = @now" +
                (lastMetrics is null ? "" : ", last_metrics = @last_metrics") + " WHERE id = @entity", connection, transaction);
            update.Add("iter", maxIter);
            update.Add("now", PostgresValues.ToDb(now));
            update.Add("entity", entity.Id);
            update.AddText("last_metrics", lastMetrics);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The entity's last_metrics with the entries of the scalar series a batch touched rebuilt from
    /// the series rows (never from the points), merged as the SQLite store's json_patch merges: a
    /// series past the entity's first <see cref="MaxLastMetrics"/> gets no entry, as in ClearML.
    /// </summary>
    private static async Task<string> PatchLastMetricsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EventEntity entity, string table, long[] series, CancellationToken cancellationToken)
    {
        JsonObject lastMetrics;
        await using (var load = new NpgsqlCommand($"SELECT last_metrics FROM {table} WHERE id = @entity", connection, transaction))
        {
            load.Add("entity", entity.Id);
            lastMetrics = await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json && JsonNode.Parse(json) is JsonObject o ? o : [];
        }
        await using var command = new NpgsqlCommand("""
            SELECT metric_hash, variant_hash, metric, variant, last_value, min_value, min_iter, max_value, max_iter,
                   first_value, first_iter, sum_value, count, x_axis_label
            FROM event_series
            WHERE id = ANY(@series) AND count > 0
              AND id <= COALESCE((SELECT id FROM event_series
                  WHERE model_event = @model_event AND entity = @entity AND type = 'training_stats_scalar' AND count > 0
                  ORDER BY id OFFSET @max_metrics - 1 LIMIT 1), id)
            ORDER BY metric_hash, id
            """, connection, transaction);
        command.AddLongArray("series", series);
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.Add("max_metrics", MaxLastMetrics);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var metricHash = reader.GetString(0);
            if (lastMetrics[metricHash] is not JsonObject variants)
            {
                lastMetrics[metricHash] = variants = [];
            }
            var variantHash = reader.GetString(1);
            if (variants[variantHash] is not JsonObject entry)
            {
                variants[variantHash] = entry = [];
            }
            double? Real(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);
            long? Integer(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
            var count = reader.GetInt64(12);
            // A merge patch: a null removes the key, anything else sets it (in place when present).
            void Set(string key, JsonNode? value)
            {
                if (value is null)
                {
                    entry.Remove(key);
                }
                else
                {
                    entry[key] = value;
                }
            }
            Set("metric", reader.GetString(2));
            Set("variant", reader.GetString(3));
            Set("value", SqliteReal(Real(4)));
            Set("min_value", SqliteReal(Real(5)));
            Set("min_value_iteration", Integer(6));
            Set("max_value", SqliteReal(Real(7)));
            Set("max_value_iteration", Integer(8));
            Set("first_value", SqliteReal(Real(9)));
            Set("first_value_iteration", Integer(10));
            Set("mean_value", SqliteReal(Math.Round(reader.GetDouble(11) / count, 2, MidpointRounding.AwayFromZero)));
            Set("count", count);
            if (!reader.IsDBNull(13))
            {
                Set("x_axis_label", reader.GetString(13));
            }
        }
        return lastMetrics.ToJsonString();
    }

    /// <summary>
    /// A real number as SQLite's JSON functions write it (<c>%!.15g</c>: 15 significant digits,
    /// always a decimal point), so last_metrics reads the same on the wire from either store.
    /// </summary>
    internal static JsonNode? SqliteReal(double? value)
    {
        if (value is not { } number)
        {
            return null;
        }
        if (!double.IsFinite(number))
        {
            return JsonNode.Parse(double.IsNaN(number) ? "null" : number > 0 ? "9.0e+999" : "-9.0e+999");
        }
        var text = number.ToString("G15", CultureInfo.InvariantCulture);
        var exponent = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = exponent < 0 ? text : text[..exponent];
        if (!mantissa.Contains('.', StringComparison.Ordinal))
        {
            mantissa += ".0";
        }
        return JsonNode.Parse(exponent < 0 ? mantissa : mantissa + "e" + text[(exponent + 1)..]);
    }

    public async Task<IReadOnlyList<EventSeries>> GetSeriesAsync(EventEntity entity, string? type, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT id, type, metric, variant, x_axis_label FROM event_series
            WHERE model_event = @model_event AND entity = @entity AND (@type::text IS NULL OR type = @type)
            ORDER BY metric, variant, type
            """, connection);
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.AddText("type", type);
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
        await using (var stats = new NpgsqlCommand(
            // Only whether there are fewer points than samples matters, so the count stops there.
            $"""
            SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM scalar_events WHERE series = @series AND iter > @single LIMIT @samples) x),
                   MIN({column}), MAX({column})
            FROM scalar_events WHERE series = @series AND iter > @single
            """, connection))
        {
            stats.Add("series", seriesId);
            stats.Add("single", EventTypes.SingleValueIteration);
            stats.Add("samples", (long)samples);
            await using var reader = await stats.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            count = reader.GetInt64(0);
            if (count == 0)
            {
                return [];
            }
            (min, max) = (reader.GetInt64(1), reader.GetInt64(2));
        }

        await using var command = new NpgsqlCommand { Connection = connection };
        command.Add("series", seriesId);
        command.Add("single", EventTypes.SingleValueIteration);
        var interval = count < samples ? 1 : (long)Math.Ceiling(((double)max - min + 1) / samples);
        if (interval <= 1)
        {
            // Points at the same x (only possible on the time axis) share their mean.
            command.CommandText = axis == HistogramAxis.Iteration
                ? "SELECT iter, value FROM scalar_events WHERE series = @series AND iter > @single ORDER BY iter"
                : "SELECT timestamp, AVG(value) FROM scalar_events WHERE series = @series AND iter > @single GROUP BY timestamp ORDER BY timestamp";
        }
        else if (axis == HistogramAxis.Iteration)
        {
            // Buckets start at multiples of the interval, as Elasticsearch's histogram puts them.
            // Each bucket's mean is one range read of the (series, iter) key: no sort of the points.
            command.CommandText = """
                SELECT x, (SELECT AVG(value) FROM scalar_events WHERE series = @series AND iter >= x AND iter < x + @interval AND iter > @single)
                FROM generate_series(@start, @max, @interval) AS b(x)
                """;
            command.Add("start", FloorToMultiple(min, interval));
            command.Add("interval", interval);
            command.Add("max", max);
        }
        else
        {
            command.CommandText = """
                SELECT (timestamp / @interval) * @interval AS x, AVG(value) FROM scalar_events
                WHERE series = @series AND iter > @single GROUP BY x ORDER BY x
                """;
            command.Add("interval", interval);
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
        await using var command = new NpgsqlCommand("""
            SELECT compressed, document FROM other_events
            WHERE series = @series AND iter >= (SELECT MIN(iter) FROM (SELECT DISTINCT iter FROM other_events WHERE series = @series ORDER BY iter DESC LIMIT @iterations) x)
            ORDER BY iter DESC, seq
            """, connection);
        command.Add("series", seriesId);
        command.Add("iterations", (long)iterations);
        return await ReadDocumentsAsync(command, 0, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JsonObject>> GetImagesAsync(
        EventEntity entity, string? metric, long? before, long? after, int iterations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The iterations are picked first (nearest the bound, so ascending when reading forward),
        // then their events read in one pass.
        var pick = after is null ? "DESC" : "ASC";
        await using var command = new NpgsqlCommand($"""
            WITH s AS (SELECT id, metric, variant FROM event_series
                       WHERE model_event = @model_event AND entity = @entity AND type = 'training_debug_image' AND (@metric::text IS NULL OR metric = @metric)),
                 picked AS (SELECT DISTINCT iter FROM other_events
                            WHERE series IN (SELECT id FROM s) AND (@before::bigint IS NULL OR iter < @before) AND (@after::bigint IS NULL OR iter > @after)
                            ORDER BY iter {pick} LIMIT @iterations)
            SELECT o.compressed, o.document FROM other_events o JOIN s ON o.series = s.id
            WHERE o.iter IN (SELECT iter FROM picked)
            ORDER BY o.iter DESC, s.metric, s.variant, o.seq
            """, connection);
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.AddText("metric", metric);
        command.AddLong("before", before);
        command.AddLong("after", after);
        command.Add("iterations", (long)iterations);
        return await ReadDocumentsAsync(command, 0, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImageSample?> GetImageSampleAsync(EventEntity entity, string metric, string variant, long? iteration, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One series, so both reads are ranges of the (series, iter, event_key) index.
        const string Series =
            "(SELECT id FROM event_series WHERE model_event = @model_event AND entity = @entity AND type = 'training_debug_image' AND metric = @metric AND variant = @variant)";
        command.CommandText = $"SELECT MIN(iter), MAX(iter) FROM other_events WHERE series = {Series}";
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.Add("metric", metric);
        command.Add("variant", variant);
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
            $"SELECT compressed, document FROM other_events WHERE series = {Series} AND (@iteration::bigint IS NULL OR iter <= @iteration) " +
            "ORDER BY iter DESC, seq DESC LIMIT 1";
        command.AddLong("iteration", iteration);
        var sample = await ReadDocumentsAsync(command, 0, cancellationToken).ConfigureAwait(false);
        return new ImageSample(sample.Count > 0 ? sample[0] : null, min, max);
    }

    public async Task<ImageSample?> GetNextImageSampleAsync(
        EventEntity entity, string? metric, string currentMetric, string currentVariant, long iteration, bool earlier, bool otherIteration,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var (beyond, order) = earlier ? ("<", "DESC") : (">", "ASC");
        var sameIteration = otherIteration ? "" : $"(o.iter = @iteration AND (s.metric, s.variant) {beyond} (@current_metric, @current_variant)) OR ";
        command.CommandText = $"""
            SELECT o.series, o.compressed, o.document FROM other_events o JOIN event_series s ON o.series = s.id
            WHERE s.model_event = @model_event AND s.entity = @entity AND s.type = 'training_debug_image' AND (@metric::text IS NULL OR s.metric = @metric)
              AND ({sameIteration}o.iter {beyond} @iteration)
            ORDER BY o.iter {order}, s.metric {order}, s.variant {order}, o.seq DESC LIMIT 1
            """;
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.AddText("metric", metric);
        command.AddText("current_metric", currentMetric);
        command.AddText("current_variant", currentVariant);
        command.Add("iteration", iteration);
        long series;
        JsonObject image;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            series = reader.GetInt64(0);
            image = Decode(reader.GetBoolean(1), reader.GetFieldValue<byte[]>(2));
        }
        command.Parameters.Clear();
        command.CommandText = "SELECT MIN(iter), MAX(iter) FROM other_events WHERE series = @series";
        command.Add("series", series);
        await using var range = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await range.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ImageSample(image, range.GetInt64(0), range.GetInt64(1));
    }

    public async Task<IReadOnlyList<SingleValue>> GetSingleValuesAsync(EventEntity entity, CancellationToken cancellationToken = default)
    {
        var values = await GetSingleValuesAsync(entity.IsModel, [entity.Id], cancellationToken).ConfigureAwait(false);
        return values.GetValueOrDefault(entity.Id) ?? [];
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
        var scalarAfter = position is null ? "" : $" WHERE (e.timestamp, 0, s.id, e.iter, 0::bigint) {comparison} (@ts, @source, @series, @iter, @seq)";
        var otherAfter = position is null ? "" : $" WHERE (o.timestamp, 1, s.id, o.iter, o.seq) {comparison} (@ts, @source, @series, @iter, @seq)";
        if (position is { } p)
        {
            command.Add("ts", p.Timestamp);
            command.Add("source", p.Source);
            command.Add("series", p.Series);
            command.Add("iter", p.Iteration);
            command.Add("seq", p.Seq);
        }
        var direction = descending ? "DESC" : "ASC";
        command.CommandText = $"""
            WITH s AS ({SeriesSql})
            (SELECT e.timestamp AS timestamp, 0 AS source, s.id AS series, e.iter AS iter, 0::bigint AS seq, s.type, s.metric, s.variant, e.value,
                    NULL::boolean AS compressed, NULL::bytea AS document
                FROM scalar_events e JOIN s ON e.series = s.id{scalarAfter}
            UNION ALL
            SELECT o.timestamp, 1, s.id, o.iter, o.seq, s.type, s.metric, s.variant, NULL::double precision, o.compressed, o.document
                FROM other_events o JOIN s ON o.series = s.id{otherAfter})
            ORDER BY timestamp {direction}, source {direction}, series {direction}, iter {direction}, seq {direction} LIMIT @take
            """;
        command.Add("take", (long)take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JsonObject>();
        EventsCursor? last = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(reader.IsDBNull(10)
                ? ScalarDocument(entity, reader.GetInt64(0), reader.GetInt64(3), reader.GetString(6), reader.GetString(7), reader.GetDouble(8))
                : Decode(reader.GetBoolean(9), reader.GetFieldValue<byte[]>(10)));
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
            SELECT (SELECT COALESCE(SUM(count), 0) FROM s WHERE type = 'training_stats_scalar')::bigint
                 + (SELECT COUNT(*) FROM other_events WHERE series IN (SELECT id FROM s WHERE type <> 'training_stats_scalar'))
            """;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // The latest @iterations iterations of each plot series: one index range per series.
    private const string LatestPlotsSql = """
        WITH s AS (SELECT id, metric, variant,
                       (SELECT MIN(iter) FROM (SELECT DISTINCT iter FROM other_events WHERE series = event_series.id ORDER BY iter DESC LIMIT @iterations) x) AS min_iter
                   FROM event_series WHERE model_event = @model_event AND entity = @entity AND type = 'plot' AND (@series_ids::bigint[] IS NULL OR id = ANY(@series_ids)))
        """;

    public async Task<EventScrollPage> GetLatestPlotsAsync(
        EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, string? after, int take, CancellationToken cancellationToken = default)
    {
        var position = after is null ? null : PlotsCursor.Parse(after);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        command.Add("iterations", (long)iterations);
        command.Add("take", (long)take);
        // By metric and variant ascending, then iteration descending and arrival: the keyset is
        // spelled out because the directions differ.
        var keyset = position is null ? "" : """
             AND (s.metric > @metric OR (s.metric = @metric AND (s.variant > @variant
                  OR (s.variant = @variant AND (o.iter < @iter OR (o.iter = @iter AND o.seq > @seq))))))
            """;
        if (position is { } p)
        {
            command.AddText("metric", p.Metric);
            command.AddText("variant", p.Variant);
            command.Add("iter", p.Iteration);
            command.Add("seq", p.Seq);
        }
        command.CommandText = $"""
            {LatestPlotsSql}
            SELECT s.metric, s.variant, o.iter, o.seq, o.compressed, o.document
            FROM s JOIN other_events o ON o.series = s.id AND o.iter >= s.min_iter{keyset}
            ORDER BY s.metric, s.variant, o.iter DESC, o.seq LIMIT @take
            """;
        var plots = new List<JsonObject>();
        PlotsCursor? last = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plots.Add(Decode(reader.GetBoolean(4), reader.GetFieldValue<byte[]>(5)));
            last = new PlotsCursor(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        return new EventScrollPage(plots, last?.ToString());
    }

    public async Task<long> CountLatestPlotsAsync(EventEntity entity, IReadOnlyCollection<long>? seriesIds, int iterations, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        AddEntity(command, entity, seriesIds);
        command.Add("iterations", (long)iterations);
        command.CommandText = $"{LatestPlotsSql} SELECT COUNT(*) FROM s JOIN other_events o ON o.series = s.id AND o.iter >= s.min_iter";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<SingleValue>>> GetSingleValuesAsync(
        bool models, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT s.entity, s.metric, s.variant, e.value, e.timestamp FROM event_series s
            JOIN scalar_events e ON e.series = s.id AND e.iter = @single
            WHERE s.model_event = @model_event AND s.entity = ANY(@ids) AND s.type = 'training_stats_scalar'
            ORDER BY s.entity, s.metric, s.variant
            """, connection);
        command.Add("single", EventTypes.SingleValueIteration);
        command.Add("model_event", models);
        command.AddTextArray("ids", ids);
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
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT entity, metric FROM event_series
            WHERE model_event = @model_event AND entity = ANY(@ids) AND (@type::text IS NULL OR type = @type)
            ORDER BY entity, metric
            """, connection);
        command.Add("model_event", models);
        command.AddTextArray("ids", ids);
        command.AddText("type", type);
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
        "SELECT id, type, metric, variant, count FROM event_series WHERE model_event = @model_event AND entity = @entity " +
        "AND (@series_ids::bigint[] IS NULL OR id = ANY(@series_ids))";

    private static void AddEntity(NpgsqlCommand command, EventEntity entity, IReadOnlyCollection<long>? seriesIds)
    {
        command.Add("model_event", entity.IsModel);
        command.Add("entity", entity.Id);
        command.Parameters.Add(new NpgsqlParameter("series_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = seriesIds is null ? DBNull.Value : seriesIds.ToArray(),
        });
    }

    public async Task<EventPage> GetLogAsync(EventEntity entity, long? fromTimestamp, bool earlier, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long total;
        await using (var count = new NpgsqlCommand("""
            SELECT COUNT(*) FROM other_events o JOIN event_series s ON o.series = s.id
            WHERE s.model_event = @model_event AND s.entity = @entity AND s.type = 'log'
            """, connection))
        {
            count.Add("model_event", entity.IsModel);
            count.Add("entity", entity.Id);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var bound = fromTimestamp is null ? "" : earlier ? " AND o.timestamp < @from" : " AND o.timestamp > @from";
        var direction = earlier ? "DESC" : "ASC";
        var events = new List<JsonObject>();
        long lastTimestamp = 0, lastSeq = 0;
        await using (var command = new NpgsqlCommand($"""
            SELECT o.compressed, o.document, o.timestamp, o.seq FROM other_events o JOIN event_series s ON o.series = s.id
            WHERE s.model_event = @model_event AND s.entity = @entity AND s.type = 'log'{bound}
            ORDER BY o.timestamp {direction}, o.seq {direction} LIMIT @take
            """, connection))
        {
            command.Add("model_event", entity.IsModel);
            command.Add("entity", entity.Id);
            command.AddLong("from", fromTimestamp);
            command.Add("take", (long)take);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(Decode(reader.GetBoolean(0), reader.GetFieldValue<byte[]>(1)));
                (lastTimestamp, lastSeq) = (reader.GetInt64(2), reader.GetInt64(3));
            }
        }
        if (events.Count < take)
        {
            return new EventPage(events, total);
        }
        // A full page ends with all of its last millisecond's lines, as ClearML's does: the next
        // page starts past that timestamp (from_timestamp), so lines left behind would be skipped.
        await using var rest = new NpgsqlCommand($"""
            SELECT o.compressed, o.document FROM other_events o JOIN event_series s ON o.series = s.id
            WHERE s.model_event = @model_event AND s.entity = @entity AND s.type = 'log'
                AND o.timestamp = @last AND o.seq {(earlier ? "<" : ">")} @seq
            ORDER BY o.seq {direction} LIMIT @limit
            """, connection);
        rest.Add("model_event", entity.IsModel);
        rest.Add("entity", entity.Id);
        rest.Add("last", lastTimestamp);
        rest.Add("seq", lastSeq);
        rest.Add("limit", (long)EventLimits.SameTimestampLogLines);
        events.AddRange(await ReadDocumentsAsync(rest, 0, cancellationToken).ConfigureAwait(false));
        return new EventPage(events, total);
    }

    public async Task<long> DeleteAsync(EventEntity entity, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var table = entity.IsModel ? "models" : "tasks";
        const string Series = "(SELECT id FROM event_series WHERE model_event = @model_event AND entity = @entity)";
        long deleted = 0;
        foreach (var sql in new[]
        {
            // The entity's row first: a batch adding events to it meanwhile waits, or went first.
            $"SELECT 1 FROM {table} WHERE id = @entity FOR UPDATE",
            $"DELETE FROM scalar_events WHERE series IN {Series}",
            $"DELETE FROM other_events WHERE series IN {Series}",
            "DELETE FROM event_series WHERE model_event = @model_event AND entity = @entity",
            $"UPDATE {table} SET last_metrics = NULL WHERE id = @entity",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Add("model_event", entity.IsModel);
            command.Add("entity", entity.Id);
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (sql.StartsWith("DELETE FROM scalar_events", StringComparison.Ordinal) || sql.StartsWith("DELETE FROM other_events", StringComparison.Ordinal))
            {
                deleted += changed;
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private static async Task<List<JsonObject>> ReadDocumentsAsync(NpgsqlCommand command, int ordinal, CancellationToken cancellationToken)
    {
        var documents = new List<JsonObject>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            documents.Add(Decode(reader.GetBoolean(ordinal), reader.GetFieldValue<byte[]>(ordinal + 1)));
        }
        return documents;
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
}
