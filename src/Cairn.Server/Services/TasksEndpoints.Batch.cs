using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>
/// <c>tasks.*_many</c> (api.md §1.7: 200 with <c>succeeded</c>/<c>failed</c> per id), <c>stop</c>,
/// <c>archive</c> and <c>get_types</c>, as ClearML's web UI uses them; and the queue calls,
/// which Cairn (a model registry without agents) answers with ClearML's 400/1 "not supported".
/// </summary>
public static partial class TasksEndpoints
{
    public static EndpointRegistry MapTaskBatchEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("tasks.stop", StopAsync)
            .Add("tasks.stop_many", call => ManyAsync(call, (request, id) => StopCoreAsync(call, id, request.Force, request.StatusReason)), "2.13")
            .Add("tasks.publish_many", call => ManyAsync(call, (request, id) =>
                PublishCoreAsync(call, id, request.Force, request.PublishModel, request.StatusReason, request.StatusMessage)), "2.13")
            .Add("tasks.reset_many", call => ManyAsync(call, async (request, id) =>
            {
                var result = await ResetCoreAsync(call, id, new ResetTaskRequest
                {
                    Force = request.Force,
                    ClearAll = request.ClearAll,
                    DeleteOutputModels = request.DeleteOutputModels,
                    ReturnFileUrls = request.ReturnFileUrls,
                }).ConfigureAwait(false);
                return result with { Dequeued = false }; // Cairn has no queues to take it off.
            }), "2.13")
            .Add("tasks.delete_many", call => ManyAsync(call, (request, id) => DeleteCoreAsync(call, id, new DeleteTaskRequest
            {
                Force = request.Force,
                MoveToTrash = request.MoveToTrash,
                DeleteOutputModels = request.DeleteOutputModels,
                ReturnFileUrls = request.ReturnFileUrls,
                DeleteExternalArtifacts = request.DeleteExternalArtifacts,
            })), "2.13")
            .Add("tasks.archive", ArchiveAsync, "2.12")
            .Add("tasks.archive_many", call => ManyAsync(call, async (request, id) =>
                new ArchivedItem(await SetArchivedAsync(call, id, archived: true, request.StatusReason, request.StatusMessage).ConfigureAwait(false))), "2.13")
            .Add("tasks.unarchive_many", call => ManyAsync(call, async (request, id) =>
                new UnarchivedItem(await SetArchivedAsync(call, id, archived: false, request.StatusReason, request.StatusMessage).ConfigureAwait(false))), "2.13")
            .Add("tasks.get_types", GetTypesAsync, "2.8")
            .AddNotSupported("queues are not supported by Cairn (a model registry without agents)",
                "tasks.enqueue", "tasks.enqueue_many", "tasks.dequeue", "tasks.dequeue_many")
            .AddNotSupported("queues are not supported by Cairn (a model registry without agents)",
                "queues.get_all", "queues.get_all_ex", "queues.get_by_id", "queues.get_default", "queues.create", "queues.update",
                "queues.delete", "queues.add_task", "queues.remove_task", "queues.get_next_task", "queues.get_queue_metrics",
                "queues.move_task_forward", "queues.move_task_backward", "queues.move_task_to_front", "queues.move_task_to_back",
                "queues.peek_task", "queues.get_num_entries", "queues.clear_queue")
            .AddNotSupported("workers are not supported by Cairn (a model registry without agents)",
                "workers.get_all", "workers.register", "workers.unregister", "workers.status_report", "workers.get_stats",
                "workers.get_activity_report", "workers.get_metric_keys", "workers.get_count")
            .AddNotSupported("pipelines are not supported by Cairn (a model registry without agents)",
                "pipelines.start_pipeline", "pipelines.delete_runs");

    /// <summary>Answers each of <paramref name="names"/> with ClearML's 400/1 "endpoint is not supported" and a reason, rather than 404.</summary>
    private static EndpointRegistry AddNotSupported(this EndpointRegistry registry, string reason, params string[] names)
    {
        foreach (var name in names)
        {
            registry.Add(name, _ => throw new CairnException(ErrorCodes.EndpointNotSupported, $"{reason}; see docs/api.md",
                new Dictionary<string, object?> { ["endpoint"] = name }));
        }
        return registry;
    }

    private static async Task<object?> ManyAsync<TItem>(ApiCall call, Func<TaskBatchRequest, string, Task<TItem>> operation)
        where TItem : BatchItem
    {
        var request = call.Read<TaskBatchRequest>();
        var ids = BatchOperation.ReadIds(request.Ids);
        return await BatchOperation.RunAsync(ids, id => operation(request, id)).ConfigureAwait(false);
    }

    private static async Task<object?> StopAsync(ApiCall call)
    {
        var request = call.Read<TaskStatusRequest>();
        return await StopCoreAsync(call, TaskDocuments.RequireId(request.Task), request.Force, request.StatusReason).ConfigureAwait(false);
    }

    /// <summary>
    /// ClearML's <c>stop_task</c>: a task no worker runs (every task here) is stopped at once, with
    /// "Stopped by &lt;user&gt;" as its message (the SDK of a running script then aborts it).
    /// </summary>
    private static async Task<TaskStatusChangedResponse> StopCoreAsync(ApiCall call, string id, bool force, string? reason)
    {
        var request = new TaskStatusRequest { Task = id, Force = force, StatusReason = reason, StatusMessage = $"Stopped by {call.Identity.UserName}" };
        return (await ChangeStatusCoreAsync(call, request, TaskStatuses.Stopped, markCompleted: true).ConfigureAwait(false)).Result;
    }

    private static async Task<object?> ArchiveAsync(ApiCall call)
    {
        var request = call.Read<ArchiveTasksRequest>();
        var ids = BatchOperation.ReadIds(request.Tasks);
        var archived = 0;
        foreach (var id in ids)
        {
            archived += await SetArchivedAsync(call, id, archived: true, request.StatusReason, request.StatusMessage).ConfigureAwait(false) ? 1 : 0;
        }
        return new TasksArchivedResponse(archived);
    }

    /// <summary>Adds or removes the <c>archived</c> system tag; true when it changed.</summary>
    private static async Task<bool> SetArchivedAsync(ApiCall call, string id, bool archived, string? reason, string? message)
    {
        var changed = false;
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            changed = task.Archived != archived;
            if (!changed)
            {
                return new TaskChanges();
            }
            var tags = archived ? [.. task.SystemTags, Model.ArchivedTag] : task.SystemTags.Where(t => t != Model.ArchivedTag).ToList();
            return new TaskChanges { SystemTags = tags, StatusReason = reason, StatusMessage = message };
        }).ConfigureAwait(false);
        return changed;
    }

    /// <summary>
    /// The task types in use: one indexed existence query per type ClearML knows (there are
    /// twelve), in the given projects and their subprojects, or company-wide.
    /// </summary>
    private static async Task<object?> GetTypesAsync(ApiCall call)
    {
        var request = call.Read<GetTaskTypesRequest>();
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        var conditions = new List<QueryCondition>();
        if (request.Projects is { Count: > 0 } projects)
        {
            var ids = projects.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var descendants = await store.Projects.GetDescendantsAsync(company, ids, call.Aborted).ConfigureAwait(false);
            conditions.Add(new ListCondition("project", TagFilter.Any([.. ids, .. descendants.Select(d => d.Id)])));
        }
        var types = new List<string>();
        foreach (var type in TaskRules.Types.Order(StringComparer.Ordinal))
        {
            var query = new EntityQuery([.. conditions, new ListCondition("type", TagFilter.Any(type))], [], 0, 1);
            if ((await store.Tasks.QueryAsync(company, query, call.Aborted).ConfigureAwait(false)).Rows.Count > 0)
            {
                types.Add(type);
            }
        }
        return new TaskTypesResponse(types);
    }
}
