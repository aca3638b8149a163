using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Querying;

namespace Cairn.Server.Services;

/// <summary><c>models.*</c>: the model registry (api.md §3). Reads live here; writes in the partial files.</summary>
public static partial class ModelsEndpoints
{
    public static EndpointRegistry MapModelsEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("models.get_by_id", GetByIdAsync)
            .Add("models.get_all", call => GetAllAsync(call, extended: false))
            .Add("models.get_all_ex", call => GetAllAsync(call, extended: true))
            .Add("models.get_by_id_ex", GetByIdExAsync, "2.11")
            .Add("models.get_frameworks", GetFrameworksAsync, "2.8")
            .Add("models.create", CreateAsync)
            .Add("models.edit", EditAsync)
            .Add("models.update", UpdateAsync)
            .Add("models.set_ready", SetReadyAsync)
            .Add("models.publish_many", PublishManyAsync, "2.13")
            .Add("models.archive_many", call => ArchiveManyAsync(call, archive: true), "2.13")
            .Add("models.unarchive_many", call => ArchiveManyAsync(call, archive: false), "2.13")
            .Add("models.delete", DeleteAsync)
            .Add("models.delete_many", DeleteManyAsync, "2.13")
            .Add("models.make_public", call => SetPublicAsync(call, makePublic: true), "2.9")
            .Add("models.make_private", call => SetPublicAsync(call, makePublic: false), "2.9")
            .Add("models.move", MoveAsync, "2.12")
            .Add("models.add_or_update_metadata", AddOrUpdateMetadataAsync, "2.13")
            .Add("models.delete_metadata", DeleteMetadataAsync, "2.13")
            .Add("models.update_tags", UpdateTagsAsync, "2.27")
            // Legacy task-centric calls, retired after 2.13 in favour of get_all and tasks.add_or_update_model.
            .Add("models.get_by_task_id", GetByTaskIdAsync)
            .Add("models.get_by_task_id", _ => throw Retired("use models.get_by_id/get_all apis"), "2.14")
            .Add("models.update_for_task", UpdateForTaskAsync)
            .Add("models.update_for_task", _ => throw Retired("use tasks.add_or_update_model"), "2.14");

    private static CairnException Retired(string instead) => new(ErrorCodes.NotSupported, instead);

    private static readonly HashSet<string> DocumentFields =
    [
        "id", "name", "user", "company", "created", "last_update", "last_change", "last_changed_by", "task", "parent",
        "project", "comment", "tags", "system_tags", "framework", "design", "labels", "uri", "ready", "ui_cache",
        "metadata", "last_iteration", "last_metrics", "stats", "company_origin", "unique_metrics",
    ];

    /// <summary>Fields that <c>_ex</c> endpoints return as <c>{"id": ...}</c> objects, joinable with <c>.name</c>.</summary>
    private static readonly string[] ReferenceFields = ["project", "task", "parent", "user", "company"];

    private static async Task<object?> GetByIdAsync(ApiCall call)
    {
        var id = call.Read<ModelRequest>().Model ?? throw CairnException.RequiredField("model");
        var model = await call.Service<IMetadataStore>().Models.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false)
            ?? throw ModelDocuments.InvalidId(id, call.Identity.Company);
        return new JsonObject { ["model"] = ModelDocuments.ToVisibleDocument(model, call.RequestedVersion) };
    }

    private static async Task<object?> GetByIdExAsync(ApiCall call)
    {
        // The id filter is get_all_ex's list field; only its presence is required here.
        if (call.Body["id"] is null)
        {
            throw CairnException.MissingFields("id");
        }
        return await GetAllAsync(call, extended: true).ConfigureAwait(false);
    }

    private static async Task<object?> GetAllAsync(ApiCall call, bool extended)
    {
        var body = await PrepareQueryAsync(call, (JsonObject)call.Body.DeepClone()).ConfigureAwait(false);
        var request = GetAllRequest.Parse(body, EntityFields.Models);
        if (extended)
        {
            ValidateProjection(request.Projection);
            // allow_public (default true): false keeps to the company's own models.
            if (body["allow_public"] is { } allowPublic && allowPublic.GetValueKind() == JsonValueKind.False)
            {
                request.Conditions.Add(new ComparisonCondition("company", ComparisonOperator.Equal, call.Identity.Company));
            }
        }

        var company = call.Identity.Company;
        var store = call.Service<IMetadataStore>();
        // A plain get_all with a top-level projection is written field by field straight from the
        // rows, so the store reads only the fields it names.
        var direct = !extended && request.Projection.IsTopLevel;
        var fields = direct ? request.Projection.TopLevelIncludes : null;
        var (models, scrollId) = await Pager.RunAsync(call, request,
            query => store.Models.QueryAsync(company, query, fields, call.Aborted)).ConfigureAwait(false);

        if (direct)
        {
            return new ModelList(models, call.RequestedVersion, request.Projection, scrollId);
        }

        var projection = request.Projection;
        if (extended)
        {
            // _ex always returns ids, and a joined name comes with its reference's id.
            projection = ReferenceJoins.WithReferenceIds(projection, ReferenceFields, f => ModelDocuments.IsJoinedPath(f, request.Projection));
        }
        var documents = models.Select(m => ModelDocuments.ToDocument(m, call.RequestedVersion)).ToList();
        if (extended)
        {
            foreach (var document in documents)
            {
                ReferenceJoins.Expand(document, ReferenceFields);
            }
            await ReferenceJoins.JoinNamesAsync(call, documents, projection, ReferenceFields,
                ids => store.Models.GetNamesAsync(company, ids, call.Aborted)).ConfigureAwait(false);
            await ModelDocuments.JoinTaskProjectsAsync(call, store, documents, projection).ConfigureAwait(false);
        }
        var projected = documents.Select(projection.Apply).ToList();
        if (extended && ReadFlag(body, "include_stats"))
        {
            foreach (var (model, document) in models.Zip(projected))
            {
                document["stats"] = new JsonObject { ["labels_count"] = model.Labels?.Count ?? 0 };
            }
        }

        var result = new JsonObject { ["models"] = new JsonArray(projected.Select(d => (JsonNode)d).ToArray()) };
        if (scrollId is not null)
        {
            result["scroll_id"] = scrollId;
        }
        return result;
    }

    /// <summary>
    /// <c>include_subprojects</c>: each project id in the <c>project</c> filter also stands for every
    /// project below it, in the same form (an excluded project excludes its subtree too).
    /// </summary>
    private static async Task<JsonObject> PrepareQueryAsync(ApiCall call, JsonObject body)
    {
        if (!ReadFlag(body, "include_subprojects") || body["project"] is not { } projectNode)
        {
            return body;
        }
        var values = GetAllRequest.ReadListValues("project", projectNode);
        static string IdOf(string value) => value.StartsWith('-') ? value[1..] : value;
        var ids = values.OfType<string>().Where(v => !v.StartsWith("__$", StringComparison.Ordinal)).Select(IdOf).Distinct().ToList();
        var descendants = await call.Service<IMetadataStore>().Projects
            .GetDescendantsAsync(call.Identity.Company, ids, call.Aborted).ConfigureAwait(false);
        var expanded = new List<string?>();
        string? previous = null;
        foreach (var value in values)
        {
            expanded.Add(value);
            if (value is not null && !value.StartsWith("__$", StringComparison.Ordinal))
            {
                var prefix = value.StartsWith('-') ? "-" : "";
                foreach (var child in descendants.Where(d => d.Path.Contains(IdOf(value))))
                {
                    // After "__$not" each child needs its own "__$not"; a "-" prefix carries over.
                    if (previous == "__$not")
                    {
                        expanded.Add("__$not");
                    }
                    expanded.Add(prefix + child.Id);
                }
            }
            previous = value;
        }
        body["project"] = new JsonArray(expanded.Select(v => (JsonNode?)v).ToArray());
        return body;
    }

    /// <summary>The <c>_ex</c> endpoints reject projections of fields a model does not have (400/14).</summary>
    private static void ValidateProjection(Projection projection)
    {
        foreach (var path in projection.Included)
        {
            var parts = path.Split('.');
            var valid = DocumentFields.Contains(parts[0])
                && (!ReferenceFields.Contains(parts[0]) || parts.Length == 1 || (parts.Length == 2 && parts[1] is "id" or "name") || ModelDocuments.IsJoinedPath(parts));
            if (!valid)
            {
                throw new CairnException(ErrorCodes.InvalidFields, null, new Dictionary<string, object?> { ["fields"] = new[] { path } });
            }
        }
    }

    private static async Task<object?> GetFrameworksAsync(ApiCall call)
    {
        var request = call.Read<GetFrameworksRequest>();
        var store = call.Service<IMetadataStore>();
        // Frameworks of the projects and of everything below them.
        var projects = await ProjectsEndpoints.WithSubprojectsAsync(call, request.Projects).ConfigureAwait(false);
        var frameworks = await store.Models.GetFrameworksAsync(call.Identity.Company, projects, call.Aborted).ConfigureAwait(false);
        return new FrameworksResponse(frameworks);
    }

    private static bool ReadFlag(JsonObject body, string key) =>
        body[key] is { } node && (node.GetValueKind() == JsonValueKind.True
            || (node.GetValueKind() is not JsonValueKind.False and not JsonValueKind.Null
                ? throw CairnException.Validation($"error for field '{key}': expected a boolean, got {node.ToJsonString()}")
                : false));
}
