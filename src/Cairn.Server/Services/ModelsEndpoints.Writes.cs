using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Projects;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Files;

namespace Cairn.Server.Services;

/// <summary><c>models.*</c> writes of fields: create, edit, update, metadata, tags, move, visibility.</summary>
public static partial class ModelsEndpoints
{
    private static async Task<object?> CreateAsync(ApiCall call)
    {
        var missing = new[] { "uri", "name" }.Where(f => call.Body[f] is null).ToArray();
        if (missing.Length > 0)
        {
            throw CairnException.MissingFields(missing);
        }
        var request = call.Read<CreateModelRequest>();
        var name = ModelRules.Name(request.Name!);
        var tags = ModelDocuments.ReadTags("tags", request.Tags) ?? [];
        var systemTags = ModelDocuments.ReadTags("system_tags", request.SystemTags) ?? [];
        var labels = request.Labels is null ? null : ModelRules.Labels(request.Labels);
        var metadata = request.Metadata is null ? new Dictionary<string, MetadataItem>() : ModelDocuments.ReadMetadata(request.Metadata);

        if (request.Project is not null)
        {
            await ModelDocuments.RequireProjectAsync(call, request.Project, () => CairnException.Validation($"Invalid project ids: {request.Project}")).ConfigureAwait(false);
        }
        if (request.Parent is not null)
        {
            await ModelDocuments.RequireParentAsync(call, request.Parent).ConfigureAwait(false);
        }
        if (request.Task is not null)
        {
            await ModelDocuments.GetWritableTaskAsync(call, request.Task).ConfigureAwait(false);
        }

        var identity = call.Identity;
        var now = call.Service<TimeProvider>().GetUtcNow();
        var model = new Model
        {
            Id = EntityId.New(),
            Company = request.Public ? "" : identity.Company,
            CompanyOrigin = request.Public ? identity.Company : null,
            Name = name,
            User = identity.User,
            Created = now,
            LastUpdate = now,
            LastChange = now,
            LastChangedBy = identity.User,
            Task = request.Task,
            Parent = request.Parent,
            Project = request.Project,
            Comment = EntityLimits.Text("comment", request.Comment, EntityLimits.MaxCommentLength),
            Tags = tags,
            SystemTags = systemTags,
            Framework = request.Framework,
            Design = (JsonObject?)EntityLimits.Json("design", request.Design, EntityLimits.MaxDesignLength),
            Labels = labels,
            Uri = request.Uri!.Trim(),
            Ready = request.Ready ?? true,
            UiCache = request.UiCache,
            Metadata = metadata,
        };
        await call.Service<IMetadataStore>().Models.InsertAsync(model, call.Aborted).ConfigureAwait(false);
        return new CreatedResponse(model.Id, Created: true);
    }

    private static async Task<object?> EditAsync(ApiCall call)
    {
        var request = call.Read<EditModelRequest>();
        var model = await ModelDocuments.GetWritableAsync(call, request.Model ?? throw CairnException.RequiredField("model")).ConfigureAwait(false);
        // edit silently drops a reference to a deleted task (the SDK may send one back).
        var task = request.Task is { } t && t.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal) ? null : request.Task;
        var changes = await ReadChangesAsync(call, request, task).ConfigureAwait(false) with
        {
            Framework = request.Framework,
            Design = (JsonObject?)EntityLimits.Json("design", request.Design, EntityLimits.MaxDesignLength),
            Labels = request.Labels is null ? null : ModelRules.Labels(request.Labels),
            Ready = request.Ready,
            Parent = request.Parent,
            Task = task,
        };
        if (request.Parent is not null)
        {
            await ModelDocuments.RequireParentAsync(call, request.Parent).ConfigureAwait(false);
        }
        return await WriteAsync(call, model, changes, task, request.Iteration).ConfigureAwait(false);
    }

    /// <summary>models.update writes only ClearML's user-settable fields; ready, framework, labels, design and task are ignored.</summary>
    private static async Task<object?> UpdateAsync(ApiCall call)
    {
        var request = call.Read<UpdateModelRequest>();
        var model = await ModelDocuments.GetWritableAsync(call, request.Model ?? throw CairnException.RequiredField("model")).ConfigureAwait(false);
        var changes = await ReadChangesAsync(call, request, request.Task).ConfigureAwait(false) with
        {
            Created = request.Created,
            UiCache = request.UiCache,
        };
        return await WriteAsync(call, model, changes, request.Task, request.Iteration).ConfigureAwait(false);
    }

    /// <summary>The fields edit and update share, validated; the task (if any) is checked but not included.</summary>
    private static async Task<ModelChanges> ReadChangesAsync(ApiCall call, ModelFieldsRequest request, string? task)
    {
        var changes = new ModelChanges
        {
            Name = request.Name is null ? null : ModelRules.Name(request.Name),
            Comment = EntityLimits.Text("comment", request.Comment, EntityLimits.MaxCommentLength),
            Tags = ModelDocuments.ReadTags("tags", request.Tags),
            SystemTags = ModelDocuments.ReadTags("system_tags", request.SystemTags),
            Uri = request.Uri?.Trim(),
            Project = request.Project,
            Metadata = request.Metadata is null ? null : ModelDocuments.ReadMetadata(request.Metadata),
        };
        if (request.Project is not null)
        {
            await ModelDocuments.RequireProjectAsync(call, request.Project, () =>
                new CairnException(ErrorCodes.FieldsValueError, "expecting Project id", new Dictionary<string, object?> { ["project"] = request.Project })).ConfigureAwait(false);
        }
        if (task is not null)
        {
            await ModelDocuments.GetWritableTaskAsync(call, task).ConfigureAwait(false);
        }
        return changes;
    }

    /// <summary>Writes the changes and answers <c>{updated, fields}</c>; <paramref name="iteration"/> raises the task's last_iteration.</summary>
    private static async Task<object?> WriteAsync(ApiCall call, Model model, ModelChanges changes, string? task, long? iteration)
    {
        var identity = call.Identity;
        var store = call.Service<IMetadataStore>();
        var now = call.Service<TimeProvider>().GetUtcNow();
        if (iteration is { } iter && (task ?? model.Task) is { } taskId && !taskId.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal))
        {
            await store.Tasks.RaiseLastIterationAsync(identity.Company, taskId, iter, now, call.Aborted).ConfigureAwait(false);
        }
        if (changes.IsEmpty)
        {
            return new UpdatedResponse(0);
        }
        var updated = await store.Models.UpdateAsync(identity.Company, model.Id, changes, now, identity.User, cancellationToken: call.Aborted).ConfigureAwait(false);
        if (updated && changes.Uri is not null)
        {
            // Not cancellable: the uri is replaced, and a lost enqueue would orphan the old weights.
            await call.Service<FileDeletionQueue>().EnqueueReplacedAsync(model.Uri, changes.Uri, CancellationToken.None).ConfigureAwait(false);
        }
        return new UpdatedFieldsResponse(updated ? 1 : 0, WrittenFields(changes, now));
    }

    /// <summary>The written fields as ClearML echoes them (tags sorted, metadata keyed): a JSON object, whose keys are the ones the request wrote.</summary>
    private static JsonObject WrittenFields(ModelChanges changes, DateTimeOffset now)
    {
        var fields = new JsonObject();
        void Add(string key, JsonNode? value)
        {
            if (value is not null)
            {
                fields[key] = value;
            }
        }
        Add("name", changes.Name);
        Add("comment", changes.Comment);
        Add("tags", changes.Tags is null ? null : ModelDocuments.Strings(changes.Tags.Distinct().Order(StringComparer.Ordinal)));
        Add("system_tags", changes.SystemTags is null ? null : ModelDocuments.Strings(changes.SystemTags.Distinct().Order(StringComparer.Ordinal)));
        Add("framework", changes.Framework);
        Add("design", changes.Design?.DeepClone());
        if (changes.Labels is not null)
        {
            var labels = new JsonObject();
            foreach (var (label, value) in changes.Labels)
            {
                labels[label] = value;
            }
            fields["labels"] = labels;
        }
        Add("uri", changes.Uri);
        Add("ready", changes.Ready);
        Add("project", changes.Project);
        Add("parent", changes.Parent);
        Add("task", changes.Task);
        Add("created", changes.Created is { } created ? ClearmlJson.FormatDate(created) : null);
        Add("metadata", changes.Metadata is null ? null : ModelDocuments.Metadata(changes.Metadata));
        Add("ui_cache", changes.UiCache?.DeepClone() ?? (changes.Uri is not null ? new JsonObject() : null));
        fields["last_change"] = ClearmlJson.FormatDate(now);
        if (changes.TouchesContent)
        {
            fields["last_update"] = ClearmlJson.FormatDate(now);
        }
        return fields;
    }

    private static async Task<object?> AddOrUpdateMetadataAsync(ApiCall call)
    {
        var request = call.Read<AddOrUpdateMetadataRequest>();
        var id = request.Model ?? throw CairnException.RequiredField("model");
        if (request.Metadata is not { Count: > 0 } list)
        {
            throw CairnException.Validation("error for field 'metadata': at least one item is required");
        }
        EntityLimits.Count("metadata", list.Count, EntityLimits.MaxMetadataItems);
        var items = new List<MetadataItem>(list.Count);
        foreach (var item in list)
        {
            if (item?.Key is null || item.Type is null || item.Value is null)
            {
                throw CairnException.Validation("error for field 'metadata': every item needs key, type and value strings");
            }
            EntityLimits.Text("metadata key", item.Key, EntityLimits.MaxNameLength);
            EntityLimits.Text("metadata type", item.Type, EntityLimits.MaxNameLength);
            EntityLimits.Text("metadata value", item.Value, EntityLimits.MaxMetadataValueLength);
            _ = MetadataKey.Escape(item.Key); // Rejects an empty key.
            items.Add(new MetadataItem(item.Key.Trim(), item.Type, item.Value));
        }
        var model = await ModelDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        // The limit holds for what the model ends up with, not only for one call's items.
        var keys = request.ReplaceMetadata ? [] : model.Metadata.Keys.ToHashSet(StringComparer.Ordinal);
        keys.UnionWith(items.Select(i => i.Key!));
        EntityLimits.Count("metadata", keys.Count, EntityLimits.MaxMetadataItems);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var updated = await call.Service<IMetadataStore>().Models
            .SetMetadataAsync(call.Identity.Company, id, items, request.ReplaceMetadata, now, call.Identity.User, call.Aborted).ConfigureAwait(false);
        return new UpdatedResponse(updated ? 1 : 0);
    }

    private static async Task<object?> DeleteMetadataAsync(ApiCall call)
    {
        var request = call.Read<DeleteMetadataRequest>();
        var id = request.Model ?? throw CairnException.RequiredField("model");
        if (request.Keys is not { Count: > 0 } keys || keys.Any(k => k is null))
        {
            throw CairnException.Validation("error for field 'keys': at least one key string is required");
        }
        foreach (var key in keys)
        {
            _ = MetadataKey.Escape(key!); // Rejects a blank key (400/12).
        }
        await ModelDocuments.GetWritableAsync(call, id).ConfigureAwait(false);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var removed = await call.Service<IMetadataStore>().Models
            .DeleteMetadataAsync(call.Identity.Company, id, keys!, now, call.Identity.User, call.Aborted).ConfigureAwait(false);
        return new UpdatedResponse(removed == true ? 1 : 0);
    }

    private static async Task<object?> UpdateTagsAsync(ApiCall call)
    {
        var request = call.Read<UpdateTagsRequest>();
        var ids = BatchOperation.ReadIds(request.Ids);
        if (request.AddTags is not { Count: > 0 } && request.RemoveTags is not { Count: > 0 })
        {
            throw CairnException.Validation("Either add tags or remove tags should be provided");
        }
        var add = ModelDocuments.ReadTags("add_tags", request.AddTags) ?? [];
        var remove = ModelDocuments.ReadTags("remove_tags", request.RemoveTags) ?? [];
        var now = call.Service<TimeProvider>().GetUtcNow();
        var updated = await call.Service<IMetadataStore>().Models
            .UpdateTagsAsync(call.Identity.Company, ids, add, remove, systemTags: false, now, call.Identity.User, call.Aborted).ConfigureAwait(false);
        return new UpdatedResponse(updated);
    }

    private static async Task<object?> MoveAsync(ApiCall call)
    {
        var request = call.Read<MoveModelsRequest>();
        var ids = BatchOperation.ReadIds(request.Ids);
        var identity = call.Identity;
        var store = call.Service<IMetadataStore>();
        var now = call.Service<TimeProvider>().GetUtcNow();
        string? project;
        if (!string.IsNullOrWhiteSpace(request.ProjectName))
        {
            // Found by full name, or created with any missing ancestors.
            var name = ProjectName.Parse(request.ProjectName);
            project = await store.Projects.GetOrCreateAsync(new NewProject(identity.Company, identity.User, name, null, [], [], null), now, call.Aborted).ConfigureAwait(false);
        }
        else if (call.Has("project"))
        {
            project = request.Project; // An explicit null moves the models to the root.
            if (project is not null && await store.Projects.GetByIdOrNullAsync(identity.Company, project, call.Aborted).ConfigureAwait(false) is null)
            {
                throw new CairnException(ErrorCodes.InvalidProjectId, null, new Dictionary<string, object?> { ["id"] = project });
            }
        }
        else
        {
            throw CairnException.MissingFields("project", "project_name");
        }
        await store.Models.MoveAsync(identity.Company, ids, project, now, identity.User, call.Aborted).ConfigureAwait(false);
        return new MoveModelsResponse(project);
    }

    private static async Task<object?> SetPublicAsync(ApiCall call, bool makePublic)
    {
        var ids = BatchOperation.ReadIds(call.Read<ModelIdsRequest>().Ids);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var failed = await call.Service<IMetadataStore>().Models.SetPublicAsync(call.Identity.Company, ids, makePublic, now, call.Aborted).ConfigureAwait(false);
        if (failed.Count > 0)
        {
            throw new CairnException(ErrorCodes.InvalidModelId, null, new Dictionary<string, object?> { ["ids"] = failed });
        }
        return new UpdatedResponse(ids.Count);
    }
}
