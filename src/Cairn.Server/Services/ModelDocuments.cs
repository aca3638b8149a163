using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Querying;

namespace Cairn.Server.Services;

/// <summary>How models look on the wire, and the checks every model write shares (api.md §3.1–3.2).</summary>
internal static class ModelDocuments
{
    /// <summary>Up to this version models return <c>metadata</c> as an empty list (api.md §1.5).</summary>
    private static readonly ApiVersion LastVersionWithoutMetadata = new(2, 16);

    /// <summary>Paths into a reference that the <c>_ex</c> endpoints join besides <c>id</c> and <c>name</c>: the creating task's project.</summary>
    public static bool IsJoinedPath(string[] parts) => parts is ["task", "project"];

    /// <summary>Whether <paramref name="projection"/> asks for a joined path under <paramref name="field"/>.</summary>
    public static bool IsJoinedPath(string field, Projection projection) => field == "task" && projection.Requests("task.project");

    /// <summary>
    /// <c>task.project</c> in an <c>_ex</c> projection: the creating task's project as <c>{"id": …}</c>
    /// (webui.md §2.2: the model page links its task under that project).
    /// </summary>
    public static async Task JoinTaskProjectsAsync(ApiCall call, IMetadataStore store, IReadOnlyList<JsonObject> documents, Projection projection)
    {
        if (!projection.Requests("task.project"))
        {
            return;
        }
        var ids = documents.Select(d => d["task"]?["id"]?.GetValue<string>()).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var projects = await store.Projects.GetTaskProjectsAsync(call.Identity.Company, ids, call.Aborted).ConfigureAwait(false);
        foreach (var document in documents)
        {
            if (document["task"] is JsonObject task && task["id"]?.GetValue<string>() is { } id && projects.TryGetValue(id, out var project))
            {
                task["project"] = new JsonObject { ["id"] = project };
            }
        }
    }

    /// <summary>The model as ClearML returns it, every field included (callers project it).</summary>
    public static JsonObject ToDocument(Model model, ApiVersion version)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteDocument(writer, model, version, _ => true);
        }
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>The model as <c>get_by_id</c> returns it: without the fields hidden unless asked for (ui_cache…).</summary>
    public static JsonObject ToVisibleDocument(Model model, ApiVersion version)
    {
        var document = ToDocument(model, version);
        foreach (var hidden in Querying.EntityFields.Models.HiddenByDefault)
        {
            document.Remove(hidden);
        }
        return document;
    }

    /// <summary>
    /// Writes the model as ClearML returns it: unset fields are omitted, and only the fields
    /// <paramref name="include"/> accepts are written. Writing straight to the response (rather
    /// than building a tree first) is what keeps a 500-model <c>get_all</c> cheap.
    /// </summary>
    public static void WriteDocument(Utf8JsonWriter writer, Model model, ApiVersion version, Func<string, bool> include)
    {
        void String(string name, string? value)
        {
            if (value is not null && include(name))
            {
                writer.WriteString(name, value);
            }
        }
        void Date(string name, DateTimeOffset? value) => String(name, value is { } date ? ClearmlJson.FormatDate(date) : null);
        void Strings(string name, IReadOnlyList<string> values)
        {
            if (include(name))
            {
                writer.WriteStartArray(name);
                foreach (var value in values)
                {
                    writer.WriteStringValue(value);
                }
                writer.WriteEndArray();
            }
        }
        void Object(string name, JsonObject? value)
        {
            if (value is not null && include(name))
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        writer.WriteStartObject();
        String("id", model.Id);
        String("name", model.Name);
        String("company", model.Company);
        Date("created", model.Created);
        Date("last_update", model.LastUpdate);
        String("user", model.User);
        Date("last_change", model.LastChange);
        String("last_changed_by", model.LastChangedBy);
        String("task", model.Task);
        String("parent", model.Parent);
        String("project", model.Project);
        String("comment", model.Comment);
        Strings("tags", model.Tags);
        Strings("system_tags", model.SystemTags);
        String("framework", model.Framework);
        Object("design", model.Design);
        if (model.Labels is not null && include("labels"))
        {
            writer.WriteStartObject("labels");
            foreach (var (label, value) in model.Labels)
            {
                if (value is { } id)
                {
                    writer.WriteNumber(label, id);
                }
                else
                {
                    writer.WriteNull(label);
                }
            }
            writer.WriteEndObject();
        }
        String("uri", model.Uri);
        if (include("ready"))
        {
            writer.WriteBoolean("ready", model.Ready);
        }
        Object("ui_cache", model.UiCache);
        if (include("metadata"))
        {
            if (version <= LastVersionWithoutMetadata)
            {
                writer.WriteStartArray("metadata");
                writer.WriteEndArray();
            }
            else
            {
                writer.WritePropertyName("metadata");
                WriteMetadata(writer, model.Metadata);
            }
        }
        if (include("last_iteration"))
        {
            writer.WriteNumber("last_iteration", model.LastIteration);
        }
        Object("last_metrics", model.LastMetrics);
        String("company_origin", model.CompanyOrigin);
        writer.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter writer, IReadOnlyDictionary<string, MetadataItem> metadata)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in metadata)
        {
            writer.WriteStartObject(key);
            if (item.Key is not null)
            {
                writer.WriteString("key", item.Key);
            }
            if (item.Type is not null)
            {
                writer.WriteString("type", item.Type);
            }
            if (item.Value is not null)
            {
                writer.WriteString("value", item.Value);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    public static JsonObject Metadata(IReadOnlyDictionary<string, MetadataItem> metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteMetadata(writer, metadata);
        }
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>The <c>metadata</c> dict of create/edit/update, keyed by metadata key.</summary>
    /// <exception cref="CairnException">400/12 for an empty key.</exception>
    public static Dictionary<string, MetadataItem> ReadMetadata(Dictionary<string, MetadataItemDto?> metadata)
    {
        EntityLimits.Count("metadata", metadata.Count, EntityLimits.MaxMetadataItems);
        var items = new Dictionary<string, MetadataItem>(StringComparer.Ordinal);
        foreach (var (key, item) in metadata)
        {
            var stripped = EntityLimits.Text("metadata key", key.Trim(), EntityLimits.MaxNameLength)!;
            EntityLimits.Text("metadata value", item?.Value, EntityLimits.MaxMetadataValueLength);
            EntityLimits.Text("metadata type", item?.Type, EntityLimits.MaxNameLength);
            _ = MetadataKey.Escape(stripped); // Rejects an empty key.
            items[stripped] = new MetadataItem(item?.Key ?? stripped, item?.Type, item?.Value);
        }
        return items;
    }

    public static IReadOnlyList<string>? ReadTags(string field, List<string?>? tags) =>
        tags is null ? null : ModelRules.Tags(field, tags);

    /// <summary>A model the caller may write: one of its company's (a public model is read-only).</summary>
    /// <exception cref="CairnException">400/201 when there is no such model in the company.</exception>
    public static async Task<Model> GetWritableAsync(ApiCall call, string? id)
    {
        var model = id is null ? null : await call.Service<IMetadataStore>().Models.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false);
        if (model is null || model.Company != call.Identity.Company)
        {
            throw InvalidId(id ?? "", call.Identity.Company);
        }
        return model;
    }

    public static CairnException InvalidId(string id, string company) =>
        new(ErrorCodes.InvalidModelId, "no such public or company model", new Dictionary<string, object?> { ["id"] = id, ["company"] = company });

    /// <summary>A task a model may reference: the company's own (a public one cannot be written).</summary>
    /// <exception cref="CairnException">400/101 when it does not exist, 403/21 when it is public.</exception>
    public static async Task<TaskInfo> GetWritableTaskAsync(ApiCall call, string id)
    {
        var task = await call.Service<IMetadataStore>().Tasks.GetInfoOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false)
            ?? throw new CairnException(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["id"] = id });
        if (task.Company != call.Identity.Company)
        {
            throw new CairnException(ErrorCodes.NoWritePermission, $"cannot modify public task(s), ids=('{id}',)");
        }
        return task;
    }

    /// <summary>
    /// Checks that a project exists (the company's or public); <paramref name="onMissing"/> makes
    /// the error, which differs between create and edit in ClearML.
    /// </summary>
    public static async Task RequireProjectAsync(ApiCall call, string id, Func<CairnException> onMissing)
    {
        if (await call.Service<IMetadataStore>().Projects.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false) is null)
        {
            throw onMissing();
        }
    }

    /// <summary>Checks that a parent model exists (the company's or public).</summary>
    /// <exception cref="CairnException">400/16.</exception>
    public static async Task RequireParentAsync(ApiCall call, string id)
    {
        if (await call.Service<IMetadataStore>().Models.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false) is null)
        {
            throw new CairnException(ErrorCodes.FieldsValueError, "expecting Model id", new Dictionary<string, object?> { ["parent"] = id });
        }
    }
}

/// <summary>
/// A <c>get_all</c> answer whose projection names only top-level fields: written model by model
/// straight to the response, without intermediate JSON trees.
/// </summary>
[JsonConverter(typeof(ModelListConverter))]
internal sealed record ModelList(IReadOnlyList<Model> Models, ApiVersion Version, Querying.Projection Projection, string? ScrollId);

internal sealed class ModelListConverter : JsonConverter<ModelList>
{
    public override ModelList Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A model list is only ever written.");

    public override void Write(Utf8JsonWriter writer, ModelList value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("models");
        foreach (var model in value.Models)
        {
            ModelDocuments.WriteDocument(writer, model, value.Version, value.Projection.IncludesField);
        }
        writer.WriteEndArray();
        if (value.ScrollId is not null)
        {
            writer.WriteString("scroll_id", value.ScrollId);
        }
        writer.WriteEndObject();
    }
}
