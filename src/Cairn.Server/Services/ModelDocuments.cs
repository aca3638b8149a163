using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>How models look on the wire, and the checks every model write shares (api.md §3.1–3.2).</summary>
internal static class ModelDocuments
{
    /// <summary>Up to this version models return <c>metadata</c> as an empty list (api.md §1.5).</summary>
    private static readonly ApiVersion LastVersionWithoutMetadata = new(2, 16);

    /// <summary>The model as ClearML returns it: unset fields are omitted.</summary>
    public static JsonObject ToDocument(Model model, ApiVersion version)
    {
        var document = new JsonObject
        {
            ["id"] = model.Id,
            ["name"] = model.Name,
            ["company"] = model.Company,
            ["created"] = ClearmlJson.FormatDate(model.Created),
            ["last_update"] = ClearmlJson.FormatDate(model.LastUpdate),
        };
        void Add(string key, JsonNode? value)
        {
            if (value is not null)
            {
                document[key] = value;
            }
        }
        Add("user", model.User);
        Add("last_change", model.LastChange is { } change ? ClearmlJson.FormatDate(change) : null);
        Add("last_changed_by", model.LastChangedBy);
        Add("task", model.Task);
        Add("parent", model.Parent);
        Add("project", model.Project);
        Add("comment", model.Comment);
        document["tags"] = Strings(model.Tags);
        document["system_tags"] = Strings(model.SystemTags);
        Add("framework", model.Framework);
        Add("design", model.Design?.DeepClone());
        if (model.Labels is not null)
        {
            var labels = new JsonObject();
            foreach (var (label, value) in model.Labels)
            {
                labels[label] = value;
            }
            document["labels"] = labels;
        }
        document["uri"] = model.Uri;
        document["ready"] = model.Ready;
        Add("ui_cache", model.UiCache?.DeepClone());
        document["metadata"] = version <= LastVersionWithoutMetadata ? new JsonArray() : Metadata(model.Metadata);
        document["last_iteration"] = model.LastIteration;
        Add("last_metrics", model.LastMetrics?.DeepClone());
        Add("company_origin", model.CompanyOrigin);
        return document;
    }

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    public static JsonObject Metadata(IReadOnlyDictionary<string, MetadataItem> metadata)
    {
        var result = new JsonObject();
        foreach (var (key, item) in metadata)
        {
            var entry = new JsonObject();
            if (item.Key is not null)
            {
                entry["key"] = item.Key;
            }
            if (item.Type is not null)
            {
                entry["type"] = item.Type;
            }
            if (item.Value is not null)
            {
                entry["value"] = item.Value;
            }
            result[key] = entry;
        }
        return result;
    }

    /// <summary>The <c>metadata</c> dict of create/edit/update, keyed by metadata key.</summary>
    /// <exception cref="CairnException">400/12 for an empty key.</exception>
    public static Dictionary<string, MetadataItem> ReadMetadata(Dictionary<string, MetadataItemDto?> metadata)
    {
        var items = new Dictionary<string, MetadataItem>(StringComparer.Ordinal);
        foreach (var (key, item) in metadata)
        {
            var stripped = key.Trim();
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
