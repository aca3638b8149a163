using System.Text.Json.Nodes;
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
            .Add("events.add", call => AddAsync(call, [EventFields.Of(call.Body)]))
            .Add("events.add_batch", call => AddAsync(call,
                call.BatchBytes is { } batch ? ReadBatch(batch) : call.Body.Count == 0 ? [] : [EventFields.Of(call.Body)]), rawBatch: true)
            .Add("events.get_task_plots", GetTaskPlotsAsync)
            .Add("events.scalar_metrics_iter_histogram", ScalarMetricsIterHistogramAsync)
            .Add("events.get_task_single_value_metrics", GetTaskSingleValueMetricsAsync, "2.20")
            .Add("events.get_task_events", GetTaskEventsAsync)
            .Add("events.get_task_log", GetTaskLogAsync)
            .Add("events.get_task_metrics", GetTaskMetricsAsync)
            .Add("events.get_scalar_metrics_and_variants", GetScalarMetricsAndVariantsAsync)
            .Add("events.debug_images", DebugImagesAsync, "2.7")
            .Add("events.vector_metrics_iter_histogram", VectorMetricsIterHistogramAsync)
            .Add("events.delete_for_model", DeleteForModelAsync, "2.22");

    /// <summary>One event as read from the request, before its entity is checked: its index in the call's events.</summary>
    private readonly record struct Candidate(int Index, EventEntity Entity, string Type, bool AllowLocked);

    /// <summary>
    /// Checks each event, then stores the accepted ones in one transaction. Rejected events are
    /// counted by reason; when none is accepted the call fails with 400/131 and those reasons.
    /// </summary>
    private static async Task<object?> AddAsync(ApiCall call, List<EventFields> items)
    {
        if (items.Count == 0)
        {
            throw new CairnException(BatchContainsNoItems);
        }
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        void Reject(string reason) => errors[reason] = errors.GetValueOrDefault(reason) + 1;

        var candidates = new List<Candidate>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var isModel = Flag(item.ModelEvent, "model_event");
            // A model event may name its model in "model" rather than "task".
            var task = isModel && item.Model.Kind != FieldKind.Null && item.Task.Kind == FieldKind.Null ? item.Model : item.Task;
            if (OptionalString(item.Type, "type") is not { } type)
            {
                Reject("Event must have a 'type' field");
                continue;
            }
            type = ReferenceEquals(type, EventTypes.Scalar) ? type : type.Replace(' ', '_');
            if (!EventTypes.All.Contains(type))
            {
                Reject($"Invalid event type {type}");
                continue;
            }
            if (OptionalString(task, "task") is not { Length: > 0 } id)
            {
                Reject("Event must have a 'task' field");
                continue;
            }
            if (isModel && type == EventTypes.Log)
            {
                Reject("Log events are not supported for models");
                continue;
            }
            candidates.Add(new Candidate(index, new EventEntity(id, isModel), type, Flag(item.AllowLocked, "allow_locked")));
        }

        CheckConsistent(candidates);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var worker = ClearmlHeaderValues.Get(call.Http.Request, ClearmlHeaders.Worker);
        var events = new List<NewEvent>(candidates.Count);
        foreach (var candidate in candidates)
        {
            if (ToEvent(items[candidate.Index], candidate, now, worker, out var reason) is { } e)
            {
                events.Add(e);
            }
            else
            {
                Reject(reason!);
            }
        }

        // The store checks each entity and writes in one transaction: a task published (or a model
        // made ready) while this call ran gets none of its events.
        var result = await call.Service<IMetadataStore>().Events.AddAsync(call.Identity.Company, events, now, call.Aborted).ConfigureAwait(false);
        if (result.Refused.Count > 0)
        {
            foreach (var e in events.Where(e => result.Refused.Contains(e.Entity)))
            {
                Reject(e.Entity.IsModel ? $"Invalid model id {e.Entity.Id}" : $"Invalid task id {e.Entity.Id}");
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
    /// An id may not be both a task and a model within a call, nor vary its <c>allow_locked</c>
    /// (400/12). Which entities take events is the store's check, made as it writes.
    /// </summary>
    private static void CheckConsistent(List<Candidate> candidates)
    {
        var allowLocked = new Dictionary<EventEntity, bool>();
        Candidate? previous = null;
        foreach (var candidate in candidates)
        {
            // A batch is mostly one entity's events in a row: only a change needs a look-up.
            if (previous is { } p && p.Entity == candidate.Entity && p.AllowLocked == candidate.AllowLocked)
            {
                continue;
            }
            previous = candidate;
            if (allowLocked.TryGetValue(candidate.Entity, out var locked) && locked != candidate.AllowLocked)
            {
                throw CairnException.Validation($"inconsistent allow_locked values for the events of {candidate.Entity.Id}");
            }
            allowLocked[candidate.Entity] = candidate.AllowLocked;
        }
        var both = allowLocked.Keys.Where(e => e.IsModel && allowLocked.ContainsKey(e with { IsModel = false })).Select(e => e.Id).ToList();
        if (both.Count > 0)
        {
            throw CairnException.Validation($"the same ids are used both as task and model ids: {string.Join(", ", both)}");
        }
    }

    /// <summary>The stored form of an accepted event, or null with the reason it cannot be stored.</summary>
    private static NewEvent? ToEvent(in EventFields item, Candidate candidate, DateTimeOffset now, string? worker, out string? reason)
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
        if (candidate.Type == EventTypes.Scalar)
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
            if (candidate.Type == EventTypes.Vector && source["values"] is { } values && source["value"] is null)
            {
                document["value"] = values.DeepClone();
            }
            document["type"] = candidate.Type;
            document["task"] = candidate.Entity.Id;
            document["iter"] = iteration;
            document["metric"] = metric ?? "";
            document["variant"] = variant ?? "";
            document["timestamp"] = timestamp;
            if (candidate.Entity.IsModel)
            {
                document["model_event"] = true;
            }
            if (candidate.Type == EventTypes.Log && document["worker"] is null && worker is not null)
            {
                document["worker"] = worker;
            }
        }
        return new NewEvent(candidate.Entity, candidate.Type, iteration, metric ?? "", variant ?? "", timestamp, value, key, xAxisLabel, document)
        {
            AllowLocked = candidate.AllowLocked,
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
