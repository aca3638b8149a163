using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Events;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>
/// <c>events.*</c> (api.md §5.4): reporting scalars, plots and logs on tasks and models. Writes
/// live here; reads in <c>EventsEndpoints.Reads.cs</c>.
/// </summary>
public static partial class EventsEndpoints
{
    // Not raised by any other service, so they live with the events service.
    private static readonly ErrorCode BatchContainsNoItems = new(400, 17, "batch_contains_no_items", "batch request contains no items");
    private static readonly ErrorCode EventsNotAdded = new(400, 131, "events_not_added", "events not added");

    public static EndpointRegistry MapEventsEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("events.add", call => AddAsync(call, intake => intake.Add(EventFields.Of(call.Body))))
            .Add("events.add_batch", call => AddAsync(call, intake =>
            {
                if (call.BatchBytes is { } batch)
                {
                    ReadBatch(batch, intake);
                }
                else if (call.Body.Count > 0)
                {
                    intake.Add(EventFields.Of(call.Body));
                }
            }), rawBatch: true)
            .Add("events.get_task_plots", GetTaskPlotsAsync)
            .Add("events.scalar_metrics_iter_histogram", ScalarMetricsIterHistogramAsync)
            .Add("events.multi_task_scalar_metrics_iter_histogram", MultiTaskScalarMetricsIterHistogramAsync)
            .Add("events.get_multi_task_plots", GetMultiTaskPlotsAsync, "1.8")
            .Add("events.get_task_single_value_metrics", GetTaskSingleValueMetricsAsync, "2.20")
            .Add("events.get_task_events", GetTaskEventsAsync)
            .Add("events.get_task_log", GetTaskLogAsync)
            .Add("events.get_task_metrics", GetTaskMetricsAsync)
            .Add("events.get_scalar_metrics_and_variants", GetScalarMetricsAndVariantsAsync)
            .Add("events.debug_images", DebugImagesAsync, "2.7")
            .Add("events.get_debug_image_sample", GetDebugImageSampleAsync, "2.12")
            .Add("events.next_debug_image_sample", NextDebugImageSampleAsync, "2.12")
            .Add("events.vector_metrics_iter_histogram", VectorMetricsIterHistogramAsync)
            .Add("events.delete_for_model", DeleteForModelAsync, "2.22");

    /// <summary>
    /// Checks each event as <paramref name="read"/> hands it over, then stores the accepted ones in
    /// one transaction. Rejected events are counted by reason; when none is accepted the call fails
    /// with 400/131 and those reasons.
    /// </summary>
    private static async Task<object?> AddAsync(ApiCall call, Action<EventIntake> read)
    {
        var intake = new EventIntake(call.Service<TimeProvider>().GetUtcNow(), ClearmlHeaderValues.Get(call.Http.Request, ClearmlHeaders.Worker));
        read(intake);
        var events = intake.Complete();

        // The store checks each entity and writes in one transaction: a task published (or a model
        // made ready) while this call ran gets none of its events.
        var result = await call.Service<IMetadataStore>().Events.AddAsync(call.Identity.Company, events, intake.Now, call.Aborted).ConfigureAwait(false);
        var errors = intake.Errors;
        if (result.Refused.Count > 0)
        {
            foreach (var e in events.Where(e => result.Refused.Contains(e.Entity)))
            {
                var reason = e.Entity.IsModel ? $"Invalid model id {e.Entity.Id}" : $"Invalid task id {e.Entity.Id}";
                errors[reason] = errors.GetValueOrDefault(reason) + 1;
            }
        }
        if (result.Added == 0)
        {
            throw new CairnException(EventsNotAdded, null, errors.ToDictionary(kv => kv.Key, kv => (object?)kv.Value));
        }
        var info = new JsonObject();
        foreach (var (reason, count) in errors)
        {
            info[reason] = count;
        }
        return new JsonObject { ["added"] = result.Added, ["errors"] = errors.Values.Sum(), ["errors_info"] = info };
    }

    /// <summary>
    /// The events of one call, checked one at a time as they are read, so a batch is never held
    /// as a list of parsed lines. The outcome is that of checking the whole list in turn: a field
    /// of the wrong type (400/12) is answered before an inconsistent <c>allow_locked</c> or an id
    /// used as task and model (400/12), and the reasons of rejected events are listed in the order
    /// of the checks: missing or unknown type and task first, then bad values.
    /// </summary>
    private sealed class EventIntake(DateTimeOffset now, string? worker)
    {
        private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _invalid = new(StringComparer.Ordinal);
        private readonly Dictionary<EventEntity, bool> _allowLocked = [];
        private readonly List<NewEvent> _events = [];
        private (EventEntity Entity, bool AllowLocked)? _previous;
        private CairnException? _badField;
        private CairnException? _inconsistent;
        private int _count;

        public DateTimeOffset Now { get; } = now;

        /// <summary>Whether an event already failed the call (400/12): later ones need only be read.</summary>
        public bool Failed => _badField is not null;

        /// <summary>The rejection reasons and counts, in the order the checks found them; complete after <see cref="Complete"/>.</summary>
        public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

        /// <summary>Room for about this many events, so a large batch's list is not grown and copied as it fills.</summary>
        public void Expect(int events) => _events.EnsureCapacity(events);

        public void Add(in EventFields item)
        {
            _count++;
            if (_badField is not null)
            {
                return;
            }
            try
            {
                Check(item);
            }
            catch (CairnException e)
            {
                _badField = e;
            }
        }

        /// <summary>The accepted events, or the error that fails the call.</summary>
        public List<NewEvent> Complete()
        {
            if (_count == 0)
            {
                throw new CairnException(BatchContainsNoItems);
            }
            if ((_badField ?? _inconsistent) is { } error)
            {
                throw error;
            }
            var both = _allowLocked.Keys.Where(e => e.IsModel && _allowLocked.ContainsKey(e with { IsModel = false })).Select(e => e.Id).ToList();
            if (both.Count > 0)
            {
                throw CairnException.Validation($"the same ids are used both as task and model ids: {string.Join(", ", both)}");
            }
            foreach (var reasons in (Dictionary<string, int>[])[_refused, _invalid])
            {
                foreach (var (reason, count) in reasons)
                {
                    Errors[reason] = Errors.GetValueOrDefault(reason) + count;
                }
            }
            return _events;
        }

        private void Check(in EventFields item)
        {
            var isModel = Flag(item.ModelEvent, "model_event");
            // A model event may name its model in "model" rather than "task".
            var task = isModel && item.Model.Kind != FieldKind.Null && item.Task.Kind == FieldKind.Null ? item.Model : item.Task;
            if (OptionalString(item.Type, "type") is not { } type)
            {
                Reject(_refused, "Event must have a 'type' field");
                return;
            }
            // The scalar type as read from a batch is the constant itself: no need to look it up.
            type = ReferenceEquals(type, EventTypes.Scalar) ? type : type.Replace(' ', '_');
            if (!ReferenceEquals(type, EventTypes.Scalar) && !EventTypes.All.Contains(type))
            {
                Reject(_refused, $"Invalid event type {type}");
                return;
            }
            if (OptionalString(task, "task") is not { Length: > 0 } id)
            {
                Reject(_refused, "Event must have a 'task' field");
                return;
            }
            if (isModel && type == EventTypes.Log)
            {
                Reject(_refused, "Log events are not supported for models");
                return;
            }
            var entity = new EventEntity(id, isModel);
            var allowLocked = Flag(item.AllowLocked, "allow_locked");
            CheckConsistent(entity, allowLocked);
            if (ToEvent(item, entity, type, allowLocked, Now, worker, out var reason) is { } e)
            {
                _events.Add(e);
            }
            else
            {
                Reject(_invalid, reason!);
            }
        }

        /// <summary>An id may not vary its <c>allow_locked</c> within a call (400/12, answered once every event is read).</summary>
        private void CheckConsistent(EventEntity entity, bool allowLocked)
        {
            // A batch is mostly one entity's events in a row: only a change needs a look-up.
            if (_previous == (entity, allowLocked))
            {
                return;
            }
            _previous = (entity, allowLocked);
            if (_allowLocked.TryGetValue(entity, out var locked) && locked != allowLocked)
            {
                _inconsistent ??= CairnException.Validation($"inconsistent allow_locked values for the events of {entity.Id}");
                return;
            }
            _allowLocked[entity] = allowLocked;
        }

        private static void Reject(Dictionary<string, int> reasons, string reason) => reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
    }

    /// <summary>The stored form of an accepted event, or null with the reason it cannot be stored.</summary>
    private static NewEvent? ToEvent(in EventFields item, EventEntity entity, string type, bool allowLocked, DateTimeOffset now, string? worker, out string? reason)
    {
        reason = null;
        if (!TryReadLong(item.Iter, out var iteration))
        {
            reason = "Invalid iteration";
            return null;
        }
        if (!TryReadText(item.Metric, out var metric) || !TryReadText(item.Variant, out var variant))
        {
            reason = "Metric and variant must be strings";
            return null;
        }
        // They become keys of the task's last_metrics, which every read of the task returns.
        if (metric?.Length > EntityLimits.MaxMetricNameLength || variant?.Length > EntityLimits.MaxMetricNameLength)
        {
            reason = $"Metric and variant names may be at most {EntityLimits.MaxMetricNameLength} characters long";
            return null;
        }
        var timestampField = item.Timestamp.Kind == FieldKind.Null ? item.Ts : item.Timestamp;
        long timestamp;
        if (timestampField.Kind == FieldKind.Null)
        {
            timestamp = now.ToUnixTimeMilliseconds();
        }
        // Epoch milliseconds a date can hold: a microsecond or nanosecond stamp is refused here,
        // not when a reader turns it into a date.
        else if (!TryReadLong(timestampField, out timestamp)
            || timestamp < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || timestamp > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            reason = "Invalid timestamp";
            return null;
        }
        if (!TryReadText(item.XAxisLabel, out var xAxisLabel) || !TryReadText(item.Key, out var key))
        {
            reason = "x_axis_label and key must be strings";
            return null;
        }

        double value = 0;
        JsonObject? document = null;
        if (type == EventTypes.Scalar)
        {
            if (item.Value is not { Kind: FieldKind.Number, IsDouble: true } number || !double.IsFinite(number.Double))
            {
                reason = "Scalar event value must be a number";
                return null;
            }
            value = number.Double;
        }
        else
        {
            // Only scalar lines are read without a node tree, so every other event has its object.
            var source = item.Item ?? throw new InvalidOperationException("a non-scalar event was read without its object");
            document = [];
            foreach (var (name, node) in source)
            {
                if (name is not ("allow_locked" or "model_event" or "model" or "ts" or "values"))
                {
                    document[name] = node?.DeepClone();
                }
            }
            if (type == EventTypes.Vector && source["values"] is { } values && source["value"] is null)
            {
                document["value"] = values.DeepClone();
            }
            document["type"] = type;
            document["task"] = entity.Id;
            document["iter"] = iteration;
            document["metric"] = metric ?? "";
            document["variant"] = variant ?? "";
            document["timestamp"] = timestamp;
            if (entity.IsModel)
            {
                document["model_event"] = true;
            }
            if (type == EventTypes.Log && document["worker"] is null && worker is not null)
            {
                document["worker"] = worker;
            }
        }
        return new NewEvent(entity, type, iteration, metric ?? "", variant ?? "", timestamp, value, key, xAxisLabel, document)
        {
            AllowLocked = allowLocked,
        };
    }

    /// <summary>A whole number in int64 (a float with no fraction counts); absent or null reads as 0.</summary>
    private static bool TryReadLong(Field field, out long value)
    {
        value = 0;
        if (field.Kind == FieldKind.Null)
        {
            return true;
        }
        if (field.Kind != FieldKind.Number)
        {
            return false;
        }
        if (field.IsInt64)
        {
            value = field.Int64;
            return true;
        }
        // 2^63 is exactly representable as a double; anything at or above it does not fit.
        var real = field.Double;
        if (field.IsDouble && double.IsFinite(real) && Math.Floor(real) == real && real >= long.MinValue && real < 9.2233720368547758E18)
        {
            value = (long)real;
            return true;
        }
        return false;
    }

    private static bool TryReadText(Field field, out string? text)
    {
        text = field.Kind == FieldKind.String ? field.Text : null;
        return field.Kind is FieldKind.Null or FieldKind.String;
    }

    private static string? OptionalString(Field field, string name) =>
        TryReadText(field, out var text) ? text : throw CairnException.Validation($"field '{name}' must be a string");

    private static bool Flag(Field field, string name) => field.Kind switch
    {
        FieldKind.Null => false,
        FieldKind.True => true,
        FieldKind.False => false,
        _ => throw CairnException.Validation($"error for field '{name}': expected a boolean, got {JsonText(field)}"),
    };

    /// <summary>A field as JSON text, for an error message (a field read without its node is a string).</summary>
    private static string JsonText(Field field) => field.Ref is JsonNode node ? node.ToJsonString() : JsonValue.Create(field.Text)?.ToJsonString() ?? "null";

    private static bool TryReadLong(JsonNode? node, out long value) => TryReadLong(Field.Of(node), out value);

    private static bool TryReadText(JsonNode? node, out string? text) => TryReadText(Field.Of(node), out text);

    private static string? OptionalString(JsonObject body, string field) => OptionalString(Field.Of(body[field]), field);

    private static string RequiredString(JsonObject body, string field) =>
        OptionalString(body, field) is { Length: > 0 } text ? text : throw CairnException.RequiredField(field);

    private static bool Flag(JsonObject body, string field) => Flag(Field.Of(body[field]), field);
}
