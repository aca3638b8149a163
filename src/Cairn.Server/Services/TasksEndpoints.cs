using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Querying;

namespace Cairn.Server.Services;

/// <summary><c>tasks.*</c> (api.md §5.1–5.2). Reads live here; writes and the status machine in the partial files.</summary>
public static partial class TasksEndpoints
{
    public static EndpointRegistry MapTasksEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("tasks.get_by_id", GetByIdAsync)
            .Add("tasks.get_all", call => GetAllAsync(call, extended: false))
            .Add("tasks.get_all_ex", call => GetAllAsync(call, extended: true))
            .Add("tasks.get_by_id_ex", GetByIdExAsync, "2.11")
            .Add("tasks.create", CreateAsync)
            .Add("tasks.clone", CloneAsync, "2.5")
            .Add("tasks.edit", EditAsync)
            .Add("tasks.update", UpdateAsync)
            .Add("tasks.set_requirements", SetRequirementsAsync)
            .Add("tasks.add_or_update_model", AddOrUpdateModelAsync, "2.13")
            .Add("tasks.delete_models", DeleteModelsAsync, "2.13")
            .Add("tasks.add_or_update_artifacts", AddOrUpdateArtifactsAsync, "2.10")
            .Add("tasks.delete_artifacts", DeleteArtifactsAsync, "2.10")
            .Add("tasks.get_hyper_params", GetHyperParamsAsync, "2.9")
            .Add("tasks.edit_hyper_params", EditHyperParamsAsync, "2.9")
            .Add("tasks.delete_hyper_params", DeleteHyperParamsAsync, "2.9")
            .Add("tasks.get_configurations", GetConfigurationsAsync, "2.9")
            .Add("tasks.get_configuration_names", GetConfigurationNamesAsync, "2.9")
            .Add("tasks.edit_configuration", EditConfigurationAsync, "2.9")
            .Add("tasks.delete_configuration", DeleteConfigurationAsync, "2.9")
            .Add("tasks.started", StartedAsync)
            .Add("tasks.stopped", call => ChangeStatusAsync(call, TaskStatuses.Stopped, markCompleted: true))
            .Add("tasks.failed", call => ChangeStatusAsync(call, TaskStatuses.Failed))
            .Add("tasks.close", call => ChangeStatusAsync(call, TaskStatuses.Closed))
            .Add("tasks.completed", CompletedAsync, "2.2")
            .Add("tasks.publish", PublishAsync)
            .Add("tasks.reset", ResetAsync)
            .Add("tasks.delete", DeleteAsync)
            .Add("tasks.ping", PingAsync)
            .MapTaskBatchEndpoints();

    private static async Task<object?> GetByIdAsync(ApiCall call)
    {
        var id = TaskDocuments.RequireId(call.Read<TaskRequest>().Task);
        var task = await call.Service<IMetadataStore>().Tasks.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false)
            ?? throw new CairnException(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["ids"] = new[] { id } });
        return new JsonObject { ["task"] = TaskDocuments.ToDocument(task) };
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
        var body = call.Body;
        var request = GetAllRequest.Parse(body, EntityFields.Tasks);
        // The output list filters like the input one (the web UI's lineage asks both ways); the
        // shared field table lists only the input one, as api.md does.
        if (body[OutputModelField] is { } outputModels)
        {
            request.Conditions.Add(new ListCondition(OutputModelField, TagFilter.Parse(GetAllRequest.ReadListValues(OutputModelField, outputModels))));
        }
        // Hidden tasks (pipeline steps, datasets) stay out of lists unless asked for or named by id.
        if (!ReadFlag(body, "search_hidden") && body["id"] is null or JsonArray { Count: 0 })
        {
            request.Conditions.Add(new ListCondition("system_tags", TagFilter.None(TaskRecord.HiddenTag)));
        }
        var company = call.Identity.Company;
        var store = call.Service<IMetadataStore>();
        var (tasks, scrollId) = await Pager.RunAsync(call, request,
            query => store.Tasks.QueryAsync(company, query, call.Aborted)).ConfigureAwait(false);
        // The _ex endpoint always returns ids and its references as {id} (joining names on
        // request); plain get_all returns exactly what was asked for.
        var projection = extended ? ReferenceJoins.WithReferenceIds(request.Projection, ReferenceFields) : request.Projection;
        var full = tasks.Select(TaskDocuments.ToDocument).ToList();
        if (extended)
        {
            foreach (var document in full)
            {
                // As ClearML's projection helper: only the references a task holds are expanded.
                ReferenceJoins.Expand(document, ReferenceFields.Where(document.ContainsKey));
            }
            await ReferenceJoins.JoinNamesAsync(call, full, projection, ReferenceFields,
                ids => store.Tasks.GetNamesAsync(company, ids, call.Aborted)).ConfigureAwait(false);
        }
        var documents = full.Select(projection.Apply).ToList();
        var result = new JsonObject { ["tasks"] = new JsonArray(documents.Select(d => (JsonNode)d).ToArray()) };
        if (scrollId is not null)
        {
            result["scroll_id"] = scrollId;
        }
        return result;
    }

    private const string OutputModelField = "models.output.model";

    /// <summary>
    /// The task references <c>_ex</c> returns as <c>{"id": …}</c>, joinable with <c>.name</c>.
    /// ClearML also expands <c>execution.queue</c> and <c>models.*.model</c>; Cairn has no queues
    /// and keeps model links as ids (what its web UI and the SDK read).
    /// </summary>
    private static readonly string[] ReferenceFields = ["company", "parent", "project", "user"];

    private static async Task<object?> GetHyperParamsAsync(ApiCall call)
    {
        var tasks = await ReadTasksAsync(call).ConfigureAwait(false);
        var result = new List<TaskHyperParamsDto>();
        foreach (var task in tasks)
        {
            var items = new List<JsonObject>();
            foreach (var (section, parameters) in task.Hyperparams ?? [])
            {
                foreach (var (name, item) in parameters as JsonObject ?? [])
                {
                    var copy = item?.DeepClone() as JsonObject ?? [];
                    copy["section"] = section;
                    copy["name"] = name;
                    items.Add(copy);
                }
            }
            result.Add(new TaskHyperParamsDto(task.Id, items));
        }
        return new TaskHyperParamsResponse(result);
    }

    private static async Task<object?> GetConfigurationsAsync(ApiCall call)
    {
        var names = call.Read<TaskIdsRequest>().Names?.OfType<string>().ToHashSet(StringComparer.Ordinal);
        var tasks = await ReadTasksAsync(call).ConfigureAwait(false);
        var result = new List<TaskConfigurationDto>();
        foreach (var task in tasks)
        {
            var items = new List<JsonObject>();
            foreach (var (name, item) in task.Configuration ?? [])
            {
                if (names is { Count: > 0 } && !names.Contains(name))
                {
                    continue;
                }
                var copy = item?.DeepClone() as JsonObject ?? [];
                copy["name"] = name;
                items.Add(copy);
            }
            result.Add(new TaskConfigurationDto(task.Id, items));
        }
        return new TaskConfigurationsResponse(result);
    }

    private static async Task<object?> GetConfigurationNamesAsync(ApiCall call)
    {
        var tasks = await ReadTasksAsync(call).ConfigureAwait(false);
        return new TaskConfigurationNamesResponse(tasks.Select(t =>
            new TaskConfigurationNamesDto(t.Id, [.. (t.Configuration ?? []).Select(kv => kv.Key).Order(StringComparer.Ordinal)])).ToList());
    }

    /// <summary>The tasks named by a <c>tasks</c> list (at least one; each must exist, 400/101).</summary>
    private static async Task<List<TaskRecord>> ReadTasksAsync(ApiCall call)
    {
        var ids = call.Read<TaskIdsRequest>().Tasks;
        if (ids is not { Count: > 0 } || ids.Any(id => id is null))
        {
            throw CairnException.Validation("error for field 'tasks': at least one task id is required");
        }
        var distinct = ids.Distinct(StringComparer.Ordinal).Select(id => id!).ToArray();
        // One query for every id named, not one per id.
        var query = new EntityQuery([new ListCondition("id", TagFilter.Any(distinct))], [], 0, distinct.Length);
        var page = await call.Service<IMetadataStore>().Tasks.QueryAsync(call.Identity.Company, query, call.Aborted).ConfigureAwait(false);
        var byId = page.Rows.ToDictionary(t => t.Id, StringComparer.Ordinal);
        return distinct.Select(id => byId.GetValueOrDefault(id) ?? throw TaskDocuments.InvalidId(id)).ToList();
    }

    private static bool ReadFlag(JsonObject body, string key) =>
        body[key] is { } node && (node.GetValueKind() == JsonValueKind.True
            || (node.GetValueKind() is not JsonValueKind.False and not JsonValueKind.Null
                ? throw CairnException.Validation($"error for field '{key}': expected a boolean, got {node.ToJsonString()}")
                : false));
}
