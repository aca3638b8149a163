using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Events;
using Cairn.Core.Models;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Files;

namespace Cairn.Server.Services;

/// <summary><c>tasks.*</c> lifecycle: the status machine (api.md §5.2), publish, reset, delete and ping.</summary>
public static partial class TasksEndpoints
{
    // tasks.started and completed are the SDK's calls, whose answers add a field to the status
    // change's: they take the records the SDK reads them with when those exist in Protocol.
    private static async Task<object?> StartedAsync(ApiCall call)
    {
        var (result, _) = await ChangeStatusCoreAsync(call, call.Read<TaskStatusRequest>(), TaskStatuses.InProgress, markStarted: true).ConfigureAwait(false);
        return new JsonObject { ["updated"] = result.Updated, ["fields"] = result.Fields, ["started"] = result.Updated };
    }

    private static async Task<object?> ChangeStatusAsync(ApiCall call, string status, bool markCompleted = false) =>
        (await ChangeStatusCoreAsync(call, call.Read<TaskStatusRequest>(), status, markCompleted: markCompleted).ConfigureAwait(false)).Result;

    private static async Task<object?> CompletedAsync(ApiCall call)
    {
        var request = call.Read<TaskStatusRequest>();
        var (result, _) = await ChangeStatusCoreAsync(call, request, TaskStatuses.Completed, markCompleted: true).ConfigureAwait(false);
        var published = false;
        if (request.Publish)
        {
            // Completed first, then published with its last output model, as ClearML does.
            await PublishCoreAsync(call, TaskDocuments.RequireId(request.Task), force: false, publishModel: true, request.StatusReason, request.StatusMessage).ConfigureAwait(false);
            published = true;
        }
        return new JsonObject { ["updated"] = result.Updated, ["fields"] = result.Fields, ["published"] = published };
    }

    private static async Task<object?> PublishAsync(ApiCall call)
    {
        var request = call.Read<TaskStatusRequest>();
        return await PublishCoreAsync(call, TaskDocuments.RequireId(request.Task), request.Force, request.PublishModel, request.StatusReason, request.StatusMessage).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the transition (unless <see cref="TaskStatusRequest.Force"/>) and writes it with
    /// compare-and-set on the status read: 400/110 for an illegal change, 400/121 for a lost race.
    /// </summary>
    private static async Task<(TaskStatusChangedResponse Result, TaskInfo Task)> ChangeStatusCoreAsync(
        ApiCall call, TaskStatusRequest request, string status, bool markStarted = false, bool markCompleted = false)
    {
        var id = TaskDocuments.RequireId(request.Task);
        var task = await TaskDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var change = StatusChange(call, task, status, request.Force, request.StatusReason, request.StatusMessage, now) with
        {
            MarkStarted = markStarted,
            MarkCompleted = markCompleted,
        };
        if (!await call.Service<IMetadataStore>().Tasks.ChangeStatusAsync(call.Identity.Company, id, change, call.Aborted).ConfigureAwait(false))
        {
            throw StatusChanged(id, task.Status);
        }
        var result = StatusResult(change);
        if (markStarted)
        {
            result.Fields["started"] = ClearmlJson.FormatDate(now);
        }
        if (markCompleted)
        {
            result.Fields["completed"] = ClearmlJson.FormatDate(now);
        }
        return (result, task);
    }

    private static async Task<TaskStatusChangedResponse> PublishCoreAsync(ApiCall call, string id, bool force, bool publishModel, string? reason, string? message)
    {
        var store = call.Service<IMetadataStore>();
        var identity = call.Identity;
        var info = await TaskDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var change = StatusChange(call, info, TaskStatuses.Published, force, reason, message, now);
        var outputs = publishModel ? await store.Tasks.GetModelsAsync(identity.Company, id, output: true, call.Aborted).ConfigureAwait(false) : [];
        // The last output model is published with the task, in one transaction, unless it is ready
        // already (or gone, or not the company's).
        var outcome = outputs.Count == 0
            ? ModelPublishOutcome.NotFound
            : await store.Models.PublishAsync(identity.Company, outputs[^1].Model, id, change, now, identity.User, call.Aborted).ConfigureAwait(false);
        var changed = outcome switch
        {
            ModelPublishOutcome.Published => true,
            ModelPublishOutcome.TaskStatusChanged => false,
            _ => await store.Tasks.ChangeStatusAsync(identity.Company, id, change, call.Aborted).ConfigureAwait(false),
        };
        if (!changed)
        {
            throw StatusChanged(id, info.Status);
        }
        return StatusResult(change);
    }

    /// <summary>The change to <paramref name="status"/>, after ClearML's transition check (skipped with <paramref name="force"/>).</summary>
    private static TaskStatusChange StatusChange(ApiCall call, TaskInfo task, string status, bool force, string? reason, string? message, DateTimeOffset now)
    {
        if (!force && !TaskStatuses.CanChange(task.Status, status))
        {
            throw new CairnException(ErrorCodes.InvalidTaskStatus, "Invalid status change",
                new Dictionary<string, object?> { ["task_id"] = task.Id, ["current_status"] = task.Status, ["new_status"] = status });
        }
        return new TaskStatusChange(task.Status, status, reason ?? "", message ?? "", now, call.Identity.User);
    }

    private static CairnException StatusChanged(string id, string expected) =>
        new(ErrorCodes.FailedChangingTaskStatus, null, new Dictionary<string, object?> { ["task_id"] = id, ["expected"] = expected });

    private static TaskStatusChangedResponse StatusResult(TaskStatusChange change)
    {
        var time = ClearmlJson.FormatDate(change.Now);
        var fields = new JsonObject
        {
            ["status"] = change.NewStatus,
            ["status_reason"] = change.Reason,
            ["status_message"] = change.Message,
            ["status_changed"] = time,
            ["last_update"] = time,
            ["last_change"] = time,
            ["last_changed_by"] = change.User,
        };
        if (change.NewStatus == TaskStatuses.Published)
        {
            fields["published"] = time;
        }
        return new TaskStatusChangedResponse(1, fields);
    }

    private static async Task<object?> ResetAsync(ApiCall call)
    {
        var request = call.Read<ResetTaskRequest>();
        return await ResetCoreAsync(call, TaskDocuments.RequireId(request.Task), request).ConfigureAwait(false);
    }

    private static async Task<TaskResetResponse> ResetCoreAsync(ApiCall call, string id, ResetTaskRequest request)
    {
        var info = await TaskDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        if (!request.Force && info.Status == TaskStatuses.Published)
        {
            throw TaskDocuments.InvalidStatus(id, info.Status);
        }
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        var now = call.Service<TimeProvider>().GetUtcNow();
        // The status is reset with compare-and-set, so if it changed meanwhile nothing is deleted;
        // the output list comes back from the same transaction that emptied it.
        var reset = await store.Tasks.ResetAsync(company, id, info.Status, request.ClearAll, now, call.Identity.User, call.Aborted).ConfigureAwait(false);
        if (!reset.Reset)
        {
            throw StatusChanged(id, info.Status);
        }
        var outputs = request.DeleteOutputModels ? reset.OutputModels : [];
        // A reset run starts from nothing: the previous run's events go (ClearML's cleanup_task).
        await store.Events.DeleteAsync(new EventEntity(id, IsModel: false), CancellationToken.None).ConfigureAwait(false);
        var urls = new List<string>();
        var deletedModels = 0;
        // Draft outputs go; a published one, or one another task uses as input, is kept.
        foreach (var item in outputs)
        {
            var model = await store.Models.GetByIdOrNullAsync(company, item.Model, call.Aborted).ConfigureAwait(false);
            if (model is null || model.Ready || model.Company != company)
            {
                continue;
            }
            var deleted = await store.Models.DeleteAsync(company, model.Id, force: false, now, call.Aborted).ConfigureAwait(false);
            if (deleted.Outcome == ModelDeleteOutcome.Deleted)
            {
                await store.Events.DeleteAsync(new EventEntity(model.Id, IsModel: true), CancellationToken.None).ConfigureAwait(false);
                deletedModels++;
                if (!string.IsNullOrEmpty(deleted.Uri))
                {
                    urls.Add(deleted.Uri);
                }
            }
        }
        await QueueFileDeletionAsync(call, urls).ConfigureAwait(false);
        // The written fields, as every {updated, fields} answer has them.
        var fields = new JsonObject { ["status"] = TaskStatuses.Created, ["last_change"] = ClearmlJson.FormatDate(now) };
        return new TaskResetResponse(1, fields, deletedModels, request.ReturnFileUrls ? FileUrls(urls, []) : null);
    }

    private static async Task<object?> DeleteAsync(ApiCall call)
    {
        var request = call.Read<DeleteTaskRequest>();
        return await DeleteCoreAsync(call, TaskDocuments.RequireId(request.Task), request).ConfigureAwait(false);
    }

    private static async Task<TaskDeletedResponse> DeleteCoreAsync(ApiCall call, string id, DeleteTaskRequest request)
    {
        await TaskDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        var now = call.Service<TimeProvider>().GetUtcNow();
        // The rules are checked inside the delete's transaction, against the task as it is then.
        var result = await store.Tasks.DeleteAsync(company, id, request.Force, request.DeleteOutputModels, now, call.Aborted).ConfigureAwait(false);
        if (!result.Deleted)
        {
            throw DeleteRefused(id, result);
        }
        var task = result.Task!;
        // Output artifacts on the file server die with the task; input ones belong to someone else.
        var artifactUrls = task.Artifacts.Where(a => TaskRules.ModeOf(a) == TaskRules.OutputMode)
            .Select(a => a["uri"] is JsonValue uri && uri.TryGetValue<string>(out var text) ? text : null)
            .OfType<string>().Where(u => u.Length > 0).ToList();
        // The files are queued first: the queue is what keeps them from being orphaned.
        await QueueFileDeletionAsync(call, [.. result.DeletedModelUrls, .. request.DeleteExternalArtifacts ? artifactUrls : []]).ConfigureAwait(false);
        // Events of a deleted task could never be read or deleted again.
        await store.Events.DeleteAsync(new EventEntity(id, IsModel: false), CancellationToken.None).ConfigureAwait(false);
        return new TaskDeletedResponse(true, result.UpdatedChildren, result.UpdatedModels, result.DeletedModels,
            request.ReturnFileUrls ? FileUrls(result.DeletedModelUrls, artifactUrls) : null);
    }

    /// <summary>ClearML's 400/123 for each rule a delete without force breaks, with its message and data.</summary>
    private static CairnException DeleteRefused(string id, TaskDeleteResult result) => result.Outcome switch
    {
        TaskDeleteOutcome.InvalidStatus => new CairnException(ErrorCodes.TaskCannotBeDeleted, "due to status, use force=True",
            new Dictionary<string, object?> { ["id"] = id, ["status"] = result.Task!.Status }),
        TaskDeleteOutcome.HasPublishedChildren => new CairnException(ErrorCodes.TaskCannotBeDeleted, "has published children, use force=True",
            new Dictionary<string, object?> { ["task"] = id, ["children"] = result.BlockingCount }),
        TaskDeleteOutcome.HasPublishedModels => new CairnException(ErrorCodes.TaskCannotBeDeleted, "has output models, use force=True",
            new Dictionary<string, object?> { ["task"] = id, ["models"] = result.BlockingCount }),
        TaskDeleteOutcome.HasPublishedOutputModel => new CairnException(ErrorCodes.TaskCannotBeDeleted, "has output model, use force=True",
            new Dictionary<string, object?> { ["task"] = id, ["model"] = result.BlockingModel }),
        _ => TaskDocuments.InvalidId(id),
    };

    /// <summary>
    /// Where deleted models' weights and a deleted task's artifacts leave the metadata store: the
    /// file server's deletion queue takes the URLs that point at it (others it ignores).
    /// </summary>
    private static async Task QueueFileDeletionAsync(ApiCall call, IReadOnlyList<string> urls)
    {
        var queue = call.Service<FileDeletionQueue>();
        foreach (var url in urls)
        {
            // Not cancellable: the entity is gone, and a lost enqueue would orphan its file.
            await queue.EnqueueAsync(url, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static FileUrlsDto FileUrls(IEnumerable<string> modelUrls, IEnumerable<string> artifactUrls) =>
        new([.. modelUrls.Distinct(StringComparer.Ordinal)], [], [.. artifactUrls.Distinct(StringComparer.Ordinal)]);

    private static async Task<object?> PingAsync(ApiCall call)
    {
        var id = TaskDocuments.RequireId(call.Read<TaskRequest>().Task);
        await TaskDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        var now = call.Service<TimeProvider>().GetUtcNow();
        if (!await call.Service<IMetadataStore>().Tasks.PingAsync(call.Identity.Company, id, now, call.Aborted).ConfigureAwait(false))
        {
            throw TaskDocuments.InvalidId(id);
        }
        return null; // ClearML's empty answer, {}.
    }
}
