using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core;
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

/// <summary><c>models.*</c> lifecycle: publishing, archiving, deleting, and the legacy task-centric calls.</summary>
public static partial class ModelsEndpoints
{
    private static async Task<object?> SetReadyAsync(ApiCall call)
    {
        var request = call.Read<SetReadyRequest>();
        var id = request.Model ?? throw CairnException.RequiredField("model");
        var published = await PublishAsync(call, id, request.PublishTask, request.ForcePublishTask).ConfigureAwait(false);
        // models.set_ready is the SDK's call: its answer takes the record the SDK reads it with
        // when that exists in Protocol. published_task is left out when no task was published.
        var result = new JsonObject { ["updated"] = 1 };
        if (published is not null)
        {
            result["published_task"] = JsonSerializer.SerializeToNode(published, ClearmlJson.TypeInfo<PublishedTaskDto>());
        }
        return result;
    }

    private static async Task<object?> PublishManyAsync(ApiCall call)
    {
        var request = call.Read<ModelIdsRequest>();
        return await BatchOperation.RunAsync(BatchOperation.ReadIds(request.Ids), async id =>
        {
            var published = await PublishAsync(call, id, request.PublishTask, request.ForcePublishTask).ConfigureAwait(false);
            return new ModelPublishedItem(true, published);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks a model ready (published). Its creating task is published with it when asked and not
    /// yet published, under the task status rules; both happen together or not at all. Returns
    /// the <c>published_task</c> object, or null when no task was published.
    /// </summary>
    private static async Task<PublishedTaskDto?> PublishAsync(ApiCall call, string id, bool publishTask, bool forcePublishTask)
    {
        var model = await ModelDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        if (model.Ready)
        {
            throw ModelIsReady(id);
        }
        var store = call.Service<IMetadataStore>();
        var identity = call.Identity;
        var now = call.Service<TimeProvider>().GetUtcNow();
        TaskInfo? task = null;
        TaskStatusChange? change = null;
        if (publishTask && model.Task is { } taskId
            && await store.Tasks.GetInfoOrNullAsync(identity.Company, taskId, call.Aborted).ConfigureAwait(false) is { } found
            && found.Status != TaskStatuses.Published)
        {
            task = found;
            change = TaskPublishChange(call, task, forcePublishTask, now);
        }
        var outcome = await store.Models.PublishAsync(identity.Company, id, task?.Id, change, now, identity.User, call.Aborted).ConfigureAwait(false);
        return outcome switch
        {
            ModelPublishOutcome.Published => task is null ? null : new PublishedTaskDto(task.Id, TaskPublishedData(change!, now)),
            ModelPublishOutcome.AlreadyReady => throw ModelIsReady(id),
            ModelPublishOutcome.TaskStatusChanged => throw new CairnException(ErrorCodes.FailedChangingTaskStatus, null,
                new Dictionary<string, object?> { ["task_id"] = task!.Id, ["expected"] = task.Status }),
            _ => throw ModelDocuments.InvalidId(id, identity.Company),
        };
    }

    private static CairnException ModelIsReady(string id) =>
        new(ErrorCodes.ModelIsReady, null, new Dictionary<string, object?> { ["id"] = id });

    /// <summary><c>tasks.publish</c>'s checks: a company task, and the status rule unless forced.</summary>
    private static TaskStatusChange TaskPublishChange(ApiCall call, TaskInfo task, bool force, DateTimeOffset now)
    {
        if (task.Company != call.Identity.Company)
        {
            throw new CairnException(ErrorCodes.NoWritePermission, $"cannot modify public task(s), ids=('{task.Id}',)");
        }
        if (!force && !TaskStatuses.CanChange(task.Status, TaskStatuses.Published))
        {
            throw new CairnException(ErrorCodes.InvalidTaskStatus, "Invalid status change",
                new Dictionary<string, object?> { ["task_id"] = task.Id, ["current_status"] = task.Status, ["new_status"] = TaskStatuses.Published });
        }
        return new TaskStatusChange(task.Status, TaskStatuses.Published, "", "", now, call.Identity.User);
    }

    /// <summary>The <c>data</c> of <c>published_task</c>: what <c>tasks.publish</c> would answer.</summary>
    private static UpdatedFieldsResponse TaskPublishedData(TaskStatusChange change, DateTimeOffset now)
    {
        var time = ClearmlJson.FormatDate(now);
        return new UpdatedFieldsResponse(1, new JsonObject
        {
            ["status"] = change.NewStatus,
            ["status_reason"] = change.Reason,
            ["status_message"] = change.Message,
            ["status_changed"] = time,
            ["published"] = time,
            ["last_update"] = time,
            ["last_change"] = time,
            ["last_changed_by"] = change.User,
        });
    }

    private static async Task<object?> ArchiveManyAsync(ApiCall call, bool archive)
    {
        var ids = BatchOperation.ReadIds(call.Read<ModelIdsRequest>().Ids);
        var store = call.Service<IMetadataStore>();
        var identity = call.Identity;
        async Task<bool> ChangeAsync(string id)
        {
            await ModelDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
            var now = call.Service<TimeProvider>().GetUtcNow();
            string[] tag = [Model.ArchivedTag];
            var changed = await store.Models.UpdateTagsAsync(identity.Company, [id], archive ? tag : [], archive ? [] : tag,
                systemTags: true, now, identity.User, call.Aborted).ConfigureAwait(false);
            return changed > 0;
        }
        return archive
            ? (object)await BatchOperation.RunAsync(ids, async id => new ArchivedItem(await ChangeAsync(id).ConfigureAwait(false))).ConfigureAwait(false)
            : await BatchOperation.RunAsync(ids, async id => new UnarchivedItem(await ChangeAsync(id).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private static async Task<object?> DeleteAsync(ApiCall call)
    {
        var request = call.Read<DeleteModelRequest>();
        var id = request.Model ?? throw CairnException.RequiredField("model");
        return await DeleteOneAsync(call, id, request.Force, request.DeleteExternalArtifacts).ConfigureAwait(false);
    }

    private static async Task<object?> DeleteManyAsync(ApiCall call)
    {
        var request = call.Read<DeleteModelsRequest>();
        return await BatchOperation.RunAsync(BatchOperation.ReadIds(request.Ids), id => DeleteOneAsync(call, id, request.Force, request.DeleteExternalArtifacts)).ConfigureAwait(false);
    }

    private static async Task<ModelDeletedItem> DeleteOneAsync(ApiCall call, string id, bool force, bool deleteWeights)
    {
        var company = call.Identity.Company;
        var now = call.Service<TimeProvider>().GetUtcNow();
        var result = await call.Service<IMetadataStore>().Models.DeleteAsync(company, id, force, now, call.Aborted).ConfigureAwait(false);
        if (result.Outcome == ModelDeleteOutcome.Deleted)
        {
            // Events of a deleted model could never be read or deleted again.
            await call.Service<IMetadataStore>().Events.DeleteAsync(new EventEntity(id, IsModel: true), CancellationToken.None).ConfigureAwait(false);
        }
        // delete_external_artifacts=false (ClearML's switch for the async delete) keeps the weights wherever they are.
        if (result.Outcome == ModelDeleteOutcome.Deleted && deleteWeights)
        {
            // Not cancellable: the model is gone, and a lost enqueue would orphan its weights.
            await call.Service<FileDeletionQueue>().EnqueueAsync(result.Uri, CancellationToken.None).ConfigureAwait(false);
        }
        return result.Outcome switch
        {
            ModelDeleteOutcome.Deleted => new ModelDeletedItem(true, result.Uri),
            ModelDeleteOutcome.InUse => throw new CairnException(ErrorCodes.ModelInUse, "as execution model, use force=True to delete",
                new Dictionary<string, object?> { ["num_tasks"] = result.TasksUsing }),
            ModelDeleteOutcome.CreatingTaskPublished => throw new CairnException(ErrorCodes.ModelCreatingTaskExists,
                "and published, use force=True to delete", new Dictionary<string, object?> { ["id"] = id }),
            _ => throw ModelDocuments.InvalidId(id, company),
        };
    }

    /// <summary>Legacy (API ≤ 2.13): the last output model of a task.</summary>
    private static async Task<object?> GetByTaskIdAsync(ApiCall call)
    {
        var taskId = call.Read<TaskRequest>().Task ?? throw CairnException.RequiredField("task");
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        var task = await store.Tasks.GetInfoOrNullAsync(company, taskId, call.Aborted).ConfigureAwait(false)
            ?? throw new CairnException(ErrorCodes.InvalidTaskId, null, new Dictionary<string, object?> { ["id"] = taskId });
        var outputs = await store.Tasks.GetModelsAsync(company, task.Id, output: true, call.Aborted).ConfigureAwait(false);
        if (outputs.Count == 0)
        {
            throw new CairnException(ErrorCodes.MissingTaskFields, null, new Dictionary<string, object?> { ["field"] = "models.output" });
        }
        var modelId = outputs[^1].Model;
        var model = await store.Models.GetByIdOrNullAsync(company, modelId, call.Aborted).ConfigureAwait(false)
            ?? throw ModelDocuments.InvalidId(modelId, company);
        return new JsonObject { ["model"] = ModelDocuments.ToVisibleDocument(model, call.RequestedVersion) };
    }

    /// <summary>
    /// Legacy (API ≤ 2.13): registers a task's output model by uri (updating the task's current
    /// output model, or creating one from the task's execution settings) or links an existing one.
    /// </summary>
    private static async Task<object?> UpdateForTaskAsync(ApiCall call)
    {
        var request = call.Read<UpdateForTaskRequest>();
        var taskId = request.Task ?? throw CairnException.RequiredField("task");
        if ((request.Uri is null) == (request.OverrideModelId is null))
        {
            throw new CairnException(ErrorCodes.MissingRequiredFields, "exactly one of uri or override_model_id is required",
                new Dictionary<string, object?> { ["fields"] = new[] { "uri", "override_model_id" } });
        }
        var task = await ModelDocuments.GetWritableTaskAsync(call, taskId).ConfigureAwait(false);
        if (task.Status is not (TaskStatuses.Created or TaskStatuses.InProgress))
        {
            throw new CairnException(ErrorCodes.InvalidTaskStatus, null,
                new Dictionary<string, object?> { ["expected"] = TaskStatuses.Created, ["status"] = task.Status });
        }
        var store = call.Service<IMetadataStore>();
        var identity = call.Identity;
        var now = call.Service<TimeProvider>().GetUtcNow();
        const string outputName = "Output Model";
        string modelId;
        bool created;

        if (request.OverrideModelId is { } overrideId)
        {
            modelId = (await store.Models.GetByIdOrNullAsync(identity.Company, overrideId, call.Aborted).ConfigureAwait(false)
                ?? throw ModelDocuments.InvalidId(overrideId, identity.Company)).Id;
            created = false;
        }
        else
        {
            var tags = ModelDocuments.ReadTags("tags", request.Tags);
            var systemTags = ModelDocuments.ReadTags("system_tags", request.SystemTags);
            var name = ModelRules.Name(request.Name ?? task.Name);
            var comment = request.Comment ?? $"Created by task `{task.Name}` ({task.Id})";
            var outputs = await store.Tasks.GetModelsAsync(identity.Company, task.Id, output: true, call.Aborted).ConfigureAwait(false);
            var current = outputs.Count == 0 ? null : await store.Models.GetByIdOrNullAsync(identity.Company, outputs[^1].Model, call.Aborted).ConfigureAwait(false);
            if (current is not null && current.Company == identity.Company)
            {
                var changes = new ModelChanges { Uri = request.Uri!.Trim(), Name = name, Comment = comment, Tags = tags, SystemTags = systemTags };
                if (await store.Models.UpdateAsync(identity.Company, current.Id, changes, now, identity.User, cancellationToken: call.Aborted).ConfigureAwait(false))
                {
                    // Not cancellable: the uri is replaced, and a lost enqueue would orphan the old weights.
                    await call.Service<FileDeletionQueue>().EnqueueReplacedAsync(current.Uri, changes.Uri, CancellationToken.None).ConfigureAwait(false);
                }
                modelId = current.Id;
                created = false;
            }
            else
            {
                // A new output model inherits what the task's execution section says about it.
                var execution = await store.Tasks.GetExecutionAsync(identity.Company, task.Id, call.Aborted).ConfigureAwait(false);
                var inputs = await store.Tasks.GetModelsAsync(identity.Company, task.Id, output: false, call.Aborted).ConfigureAwait(false);
                var model = new Model
                {
                    Id = EntityId.New(),
                    Company = identity.Company,
                    Name = name,
                    User = identity.User,
                    Created = now,
                    LastUpdate = now,
                    LastChange = now,
                    LastChangedBy = identity.User,
                    Task = task.Id,
                    Parent = inputs.Count == 0 ? null : inputs[0].Model,
                    Project = task.Project,
                    Comment = comment,
                    Tags = tags ?? [],
                    SystemTags = systemTags ?? [],
                    Framework = execution?["framework"] is JsonValue framework && framework.TryGetValue<string>(out var text) ? text : null,
                    Design = execution?["model_desc"] as JsonObject is { } design ? (JsonObject)design.DeepClone() : null,
                    Labels = ReadLabels(execution?["model_labels"]),
                    Uri = request.Uri!.Trim(),
                    Ready = false, // ClearML copies "task is published", but only created/in_progress tasks get here.
                };
                await store.Models.InsertAsync(model, call.Aborted).ConfigureAwait(false);
                modelId = model.Id;
                created = true;
            }
        }

        await store.Tasks.AddOrUpdateModelAsync(identity.Company, task.Id, output: true, new TaskModelItem(outputName, modelId, now), call.Aborted).ConfigureAwait(false);
        if (request.Iteration is { } iteration)
        {
            await store.Tasks.RaiseLastIterationAsync(identity.Company, task.Id, iteration, now, call.Aborted).ConfigureAwait(false);
        }
        return new CreatedResponse(modelId, created);
    }

    /// <summary>The task's <c>execution.model_labels</c>, held to the same rules as labels a client sends.</summary>
    private static IReadOnlyDictionary<string, int?>? ReadLabels(JsonNode? labels)
    {
        if (labels is not JsonObject map)
        {
            return null;
        }
        var result = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var (label, value) in map)
        {
            result[label] = value switch
            {
                null => null,
                JsonValue number when number.TryGetValue<int>(out var id) => id,
                _ => throw CairnException.Validation($"the task's execution.model_labels.{label} is not an integer"),
            };
        }
        return ModelRules.Labels(result);
    }
}
