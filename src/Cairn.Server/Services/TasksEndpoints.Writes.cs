using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>tasks.*</c> writes of fields: create, edit, update, requirements, model lists, artifacts, parameters.</summary>
public static partial class TasksEndpoints
{
    private static async Task<object?> CreateAsync(ApiCall call)
    {
        var request = call.Read<CreateTaskRequest>();
        var name = ModelRules.Name(request.Name ?? throw CairnException.RequiredField("name"));
        var type = TaskRules.Type(request.Type ?? throw CairnException.RequiredField("type"));
        var now = call.Service<TimeProvider>().GetUtcNow();
        var fields = await ReadFieldsAsync(call, request, now, onMissingProject: id =>
            new CairnException(ErrorCodes.InvalidProjectId, null, new Dictionary<string, object?> { ["id"] = id })).ConfigureAwait(false);
        var identity = call.Identity;
        var task = new TaskRecord
        {
            Id = EntityId.New(),
            Company = identity.Company,
            Name = name,
            Type = type,
            Status = TaskStatuses.Created,
            Comment = EntityLimits.Text("comment", request.Comment, EntityLimits.MaxCommentLength),
            Created = now,
            Parent = request.Parent,
            Project = request.Project,
            User = identity.User,
            Tags = fields.Tags ?? [],
            SystemTags = fields.SystemTags ?? [],
            Output = fields.Output,
            Execution = fields.Execution,
            Script = TaskDocuments.Script(request.Script),
            Hyperparams = fields.Hyperparams,
            Configuration = fields.Configuration,
            Container = request.Container,
            Runtime = request.Runtime ?? [],
            Artifacts = fields.Artifacts ?? [],
            InputModels = fields.InputModels ?? [],
            OutputModels = fields.OutputModels ?? [],
            LastUpdate = now,
            LastChange = now,
            LastChangedBy = identity.User,
        };
        await call.Service<IMetadataStore>().Tasks.InsertAsync(task, call.Aborted).ConfigureAwait(false);
        return new IdResponse(task.Id);
    }

    private static async Task<object?> EditAsync(ApiCall call)
    {
        var request = call.Read<EditTaskRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var name = request.Name is null ? null : ModelRules.Name(request.Name);
        var type = request.Type is null ? null : TaskRules.Type(request.Type);
        var fields = await ReadFieldsAsync(call, request, now, onMissingProject: project =>
            new CairnException(ErrorCodes.FieldsValueError, "expecting Project id", new Dictionary<string, object?> { ["project"] = project })).ConfigureAwait(false);
        var changes = await TaskDocuments.UpdateAsync(call, id, task =>
        {
            if (!request.Force && task.Status != TaskStatuses.Created)
            {
                throw TaskDocuments.InvalidStatus(id, task.Status);
            }
            // Embedded objects merge one level deep: the request's top-level keys replace the stored ones.
            var execution = fields.Execution is null ? null : Merge(task.Execution, fields.Execution);
            return new TaskChanges
            {
                Name = name,
                Type = type,
                Comment = EntityLimits.Text("comment", request.Comment, EntityLimits.MaxCommentLength),
                Tags = fields.Tags,
                SystemTags = fields.SystemTags,
                Parent = request.Parent,
                Project = request.Project,
                Output = fields.Output is null ? null : Merge(task.Output, fields.Output),
                Execution = execution,
                Script = request.Script is null ? null : Merge(TaskDocuments.Script(task.Script), request.Script),
                Hyperparams = fields.Hyperparams,
                Configuration = fields.Configuration,
                Container = request.Container,
                Runtime = request.Runtime,
                Artifacts = fields.Artifacts,
                InputModels = fields.InputModels,
                OutputModels = fields.OutputModels,
            };
        }).ConfigureAwait(false);
        return Updated(changes, now);
    }

    /// <summary>tasks.update writes only ClearML's user-settable fields, in any status.</summary>
    private static async Task<object?> UpdateAsync(ApiCall call)
    {
        var request = call.Read<UpdateTaskRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        var now = call.Service<TimeProvider>().GetUtcNow();
        var name = request.Name is null ? null : ModelRules.Name(request.Name);
        var tags = ModelDocuments.ReadTags("tags", request.Tags);
        var systemTags = ModelDocuments.ReadTags("system_tags", request.SystemTags);
        if (request.Project is not null)
        {
            await RequireProjectAsync(call, request.Project, project =>
                new CairnException(ErrorCodes.FieldsValueError, "expecting Project id", new Dictionary<string, object?> { ["project"] = project })).ConfigureAwait(false);
        }
        // Of output only the error is the user's to set.
        var error = request.Output?["error"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        var changes = await TaskDocuments.UpdateAsync(call, id, task => new TaskChanges
        {
            Name = name,
            Comment = EntityLimits.Text("comment", request.Comment, EntityLimits.MaxCommentLength),
            Tags = tags,
            SystemTags = systemTags,
            Project = request.Project,
            Created = request.Created,
            StatusMessage = request.StatusMessage,
            StatusReason = request.StatusReason,
            Output = error is null ? null : Merge(task.Output, new JsonObject { ["error"] = error }),
        }).ConfigureAwait(false);
        return Updated(changes, now);
    }

    private static async Task<object?> SetRequirementsAsync(ApiCall call)
    {
        var request = call.Read<SetRequirementsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        var requirements = request.Requirements ?? throw CairnException.RequiredField("requirements");
        var now = call.Service<TimeProvider>().GetUtcNow();
        // Every task has a script (ClearML's default one when none was given), so this never
        // meets ClearML's 400/122 "Task has no script field".
        await TaskDocuments.UpdateAsync(call, id, task =>
            new TaskChanges { Script = Merge(TaskDocuments.Script(task.Script), new JsonObject { ["requirements"] = requirements.DeepClone() }) }).ConfigureAwait(false);
        return new UpdatedFieldsResponse(1, new JsonObject { ["script.requirements"] = requirements.DeepClone(), ["last_change"] = ClearmlJson.FormatDate(now) });
    }

    private static async Task<object?> AddOrUpdateModelAsync(ApiCall call)
    {
        var request = call.Read<AddOrUpdateTaskModelRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        var name = request.Name ?? throw CairnException.RequiredField("name");
        var model = request.Model ?? throw CairnException.RequiredField("model");
        var output = ReadModelType(request.Type ?? throw CairnException.RequiredField("type"));
        var now = call.Service<TimeProvider>().GetUtcNow();
        // Model ids are not validated here (ClearML does not either): the SDK links models it just created.
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireEditable(task);
            var list = (output ? task.OutputModels : task.InputModels).ToList();
            var item = new TaskModelItem(name, model, now);
            var index = list.FindIndex(i => i.Name == name);
            if (index >= 0)
            {
                list[index] = item;
            }
            else
            {
                list.Add(item);
            }
            return new TaskChanges
            {
                InputModels = output ? null : list,
                OutputModels = output ? list : null,
                LastIteration = request.Iteration is { } iteration && iteration > task.LastIteration ? iteration : null,
            };
        }).ConfigureAwait(false);
        return new UpdatedResponse(1);
    }

    private static async Task<object?> DeleteModelsAsync(ApiCall call)
    {
        var request = call.Read<DeleteTaskModelsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Models is not { Count: > 0 } models || models.Any(m => m?.Name is null || m.Type is null))
        {
            throw CairnException.Validation("error for field 'models': at least one {name, type} is required");
        }
        var remove = models.Select(m => (m!.Name!, ReadModelType(m.Type!))).ToHashSet();
        var removed = false;
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireEditable(task);
            var inputs = task.InputModels.Where(i => !remove.Contains((i.Name, false))).ToList();
            var outputs = task.OutputModels.Where(i => !remove.Contains((i.Name, true))).ToList();
            removed = inputs.Count != task.InputModels.Count || outputs.Count != task.OutputModels.Count;
            return removed ? new TaskChanges { InputModels = inputs, OutputModels = outputs } : new TaskChanges();
        }).ConfigureAwait(false);
        return new UpdatedResponse(removed ? 1 : 0);
    }

    private static async Task<object?> AddOrUpdateArtifactsAsync(ApiCall call)
    {
        var request = call.Read<AddOrUpdateArtifactsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Artifacts is not { Count: > 0 } list)
        {
            throw CairnException.Validation("error for field 'artifacts': at least one artifact is required");
        }
        var artifacts = list.Select(TaskRules.Artifact).ToList();
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            // Always force semantics (the SDK sends force=true): created or in_progress only.
            RequireEditable(task);
            return new TaskChanges { Artifacts = TaskRules.MergeArtifacts(task.Artifacts, artifacts) };
        }).ConfigureAwait(false);
        return new UpdatedResponse(artifacts.Count);
    }

    private static async Task<object?> DeleteArtifactsAsync(ApiCall call)
    {
        var request = call.Read<DeleteArtifactsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Artifacts is not { Count: > 0 } list || list.Any(a => a?.Key is null))
        {
            throw CairnException.Validation("error for field 'artifacts': at least one {key, mode} is required");
        }
        var remove = list.Select(a => TaskRules.ArtifactId(a!.Key!, TaskRules.Mode(a.Mode))).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireEditable(task);
            var kept = task.Artifacts.Where(a => !remove.Contains(TaskRules.ArtifactId(TaskRules.KeyOf(a), TaskRules.ModeOf(a)))).ToList();
            deleted = task.Artifacts.Count - kept.Count;
            return deleted > 0 ? new TaskChanges { Artifacts = kept } : new TaskChanges();
        }).ConfigureAwait(false);
        return new DeletedResponse(deleted);
    }

    private static async Task<object?> EditHyperParamsAsync(ApiCall call)
    {
        var request = call.Read<EditHyperParamsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Hyperparams is not { Count: > 0 } items || items.Any(i => i?.Section is null || i.Name is null))
        {
            throw CairnException.Validation("error for field 'hyperparams': at least one {section, name} is required");
        }
        var replace = request.ReplaceHyperparams ?? "none";
        if (replace is not ("none" or "section" or "all"))
        {
            throw CairnException.Validation($"error for field 'replace_hyperparams': expected none, section or all, got '{replace}'");
        }
        var propertiesOnly = NormalizePropertiesSection(items!);
        var updates = items.Select(i => TaskDocuments.ReadItem($"hyperparams.{i!.Section}.{i.Name}", i.Name!, ItemJson(i), i.Section!.Trim())).ToList();
        foreach (var section in items.Select(i => i!.Section!))
        {
            _ = MetadataKey.Escape(section); // Rejects an empty section name.
        }
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireCreated(task, request.Force, allowAllStatuses: propertiesOnly);
            var hyperparams = replace == "all" ? [] : (JsonObject?)task.Hyperparams?.DeepClone() ?? [];
            if (replace == "section")
            {
                foreach (var section in updates.Select(u => u["section"]!.GetValue<string>()).Distinct())
                {
                    hyperparams.Remove(section);
                }
            }
            foreach (var item in updates)
            {
                var section = item["section"]!.GetValue<string>();
                if (hyperparams[section] is not JsonObject parameters)
                {
                    hyperparams[section] = parameters = [];
                }
                parameters[item["name"]!.GetValue<string>()] = item.DeepClone();
            }
            return new TaskChanges { Hyperparams = hyperparams };
        }).ConfigureAwait(false);
        return new UpdatedResponse(1);
    }

    private static async Task<object?> DeleteHyperParamsAsync(ApiCall call)
    {
        var request = call.Read<DeleteHyperParamsRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Hyperparams is not { Count: > 0 } items || items.Any(i => i?.Section is null))
        {
            throw CairnException.Validation("error for field 'hyperparams': at least one {section, name?} is required");
        }
        var propertiesOnly = NormalizePropertiesSection(items!);
        var deleted = 0;
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireCreated(task, request.Force, allowAllStatuses: propertiesOnly);
            var hyperparams = (JsonObject?)task.Hyperparams?.DeepClone() ?? [];
            foreach (var item in items)
            {
                var section = item!.Section!.Trim();
                if (item.Name is null)
                {
                    // Without a name the whole section goes.
                    deleted += hyperparams.Remove(section) ? 1 : 0;
                }
                else if (hyperparams[section] is JsonObject parameters && parameters.Remove(item.Name.Trim()))
                {
                    deleted++;
                }
            }
            return deleted > 0 ? new TaskChanges { Hyperparams = hyperparams } : new TaskChanges();
        }).ConfigureAwait(false);
        return new DeletedResponse(deleted);
    }

    private static async Task<object?> EditConfigurationAsync(ApiCall call)
    {
        var request = call.Read<EditConfigurationRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Configuration is not { Count: > 0 } items || items.Any(i => i?.Name is null))
        {
            throw CairnException.Validation("error for field 'configuration': at least one {name, value} is required");
        }
        var updates = items.Select(i => TaskDocuments.ReadItem($"configuration.{i!.Name}", i.Name!, ItemJson(i), section: null)).ToList();
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireCreated(task, request.Force);
            var configuration = request.ReplaceConfiguration ? [] : (JsonObject?)task.Configuration?.DeepClone() ?? [];
            foreach (var item in updates)
            {
                configuration[item["name"]!.GetValue<string>()] = item.DeepClone();
            }
            return new TaskChanges { Configuration = configuration };
        }).ConfigureAwait(false);
        return new UpdatedResponse(1);
    }

    private static async Task<object?> DeleteConfigurationAsync(ApiCall call)
    {
        var request = call.Read<DeleteConfigurationRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        if (request.Configuration is not { Count: > 0 } names || names.Any(n => n is null))
        {
            throw CairnException.Validation("error for field 'configuration': at least one name is required");
        }
        var deleted = 0;
        await TaskDocuments.UpdateAsync(call, id, task =>
        {
            RequireCreated(task, request.Force);
            var configuration = (JsonObject?)task.Configuration?.DeepClone() ?? [];
            deleted = names.Count(n => configuration.Remove(n!.Trim()));
            return deleted > 0 ? new TaskChanges { Configuration = configuration } : new TaskChanges();
        }).ConfigureAwait(false);
        return new DeletedResponse(deleted);
    }

    /// <summary>The fields create and edit share, read and checked against the store (references, input models).</summary>
    private sealed record TaskFields(
        IReadOnlyList<string>? Tags,
        IReadOnlyList<string>? SystemTags,
        JsonObject? Output,
        JsonObject? Execution,
        JsonObject? Hyperparams,
        JsonObject? Configuration,
        IReadOnlyList<JsonObject>? Artifacts,
        IReadOnlyList<TaskModelItem>? InputModels,
        IReadOnlyList<TaskModelItem>? OutputModels);

    private static async Task<TaskFields> ReadFieldsAsync(ApiCall call, TaskFieldsRequest request, DateTimeOffset now, Func<string, CairnException> onMissingProject)
    {
        var tags = ModelDocuments.ReadTags("tags", request.Tags);
        var systemTags = ModelDocuments.ReadTags("system_tags", request.SystemTags);
        var output = request.Output is null ? null : (JsonObject)request.Output.DeepClone();
        if (request.OutputDest is not null)
        {
            output ??= [];
            output["destination"] = request.OutputDest;
        }
        // Artifacts travel in execution.artifacts as a list but are kept apart, keyed by key and mode.
        var execution = request.Execution is null ? null : (JsonObject)request.Execution.DeepClone();
        List<JsonObject>? artifacts = null;
        if (execution?["artifacts"] is { } artifactList)
        {
            execution.Remove("artifacts");
            artifacts = artifactList is JsonArray array
                ? TaskRules.MergeArtifacts([], array.Select(TaskRules.Artifact))
                : throw CairnException.Validation("error for field 'execution.artifacts': expected a list");
        }
        var hyperparams = request.Hyperparams is null ? null : TaskDocuments.ReadHyperparams(request.Hyperparams);
        var configuration = request.Configuration is null ? null : TaskDocuments.ReadConfiguration(request.Configuration);
        var inputs = ReadModelList(request.Models, "input", now);
        var outputs = ReadModelList(request.Models, "output", now);

        if (request.Project is not null)
        {
            await RequireProjectAsync(call, request.Project, onMissingProject).ConfigureAwait(false);
        }
        var store = call.Service<IMetadataStore>();
        var company = call.Identity.Company;
        if (request.Parent is { } parent && !parent.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal)
            && await store.Tasks.GetInfoOrNullAsync(company, parent, call.Aborted).ConfigureAwait(false) is null)
        {
            throw TaskDocuments.InvalidId(parent);
        }
        foreach (var input in inputs ?? [])
        {
            if (await store.Models.GetByIdOrNullAsync(company, input.Model, call.Aborted).ConfigureAwait(false) is null)
            {
                throw ModelDocuments.InvalidId(input.Model, company);
            }
        }
        return new TaskFields(tags, systemTags, output, execution, hyperparams, configuration, artifacts, inputs, outputs);
    }

    /// <summary><c>models.input</c> or <c>models.output</c>: <c>[{name, model}]</c>, stamped <c>updated</c> now; names unique (the last wins).</summary>
    private static List<TaskModelItem>? ReadModelList(JsonObject? models, string kind, DateTimeOffset now)
    {
        if (models?[kind] is not { } node)
        {
            return null;
        }
        if (node is not JsonArray items)
        {
            throw CairnException.Validation($"error for field 'models.{kind}': expected a list");
        }
        var list = new List<TaskModelItem>();
        foreach (var item in items)
        {
            if (item is not JsonObject entry
                || entry["model"] is not JsonValue model || !model.TryGetValue<string>(out var modelId)
                || entry["name"] is not JsonValue name || !name.TryGetValue<string>(out var itemName))
            {
                throw CairnException.Validation($"error for field 'models.{kind}': every item needs name and model strings");
            }
            list.RemoveAll(i => i.Name == itemName);
            list.Add(new TaskModelItem(itemName, modelId, now));
        }
        return list;
    }

    private static async Task RequireProjectAsync(ApiCall call, string id, Func<string, CairnException> onMissing)
    {
        var project = await call.Service<IMetadataStore>().Projects.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false);
        if (project is null)
        {
            throw onMissing(id);
        }
    }

    private static bool ReadModelType(string type) => type switch
    {
        "output" => true,
        "input" => false,
        _ => throw CairnException.Validation($"error for field 'type': expected input or output, got '{type}'"),
    };

    /// <summary>Artifacts and model lists change only while the task is created or in progress (400/110).</summary>
    private static void RequireEditable(TaskRecord task)
    {
        if (!TaskRules.IsEditable(task.Status))
        {
            throw TaskDocuments.InvalidStatus(task.Id, task.Status);
        }
    }

    /// <summary>
    /// Edits of a task's definition need it to be a draft, or with <paramref name="force"/> a
    /// draft or running task (400/110 otherwise, as ClearML's <c>get_task_for_update</c>).
    /// User properties are not part of the definition: edits of them alone pass in any status.
    /// </summary>
    private static void RequireCreated(TaskRecord task, bool force, bool allowAllStatuses = false)
    {
        if (allowAllStatuses)
        {
            return;
        }
        if (task.Status != TaskStatuses.Created && !(force && task.Status == TaskStatuses.InProgress))
        {
            throw TaskDocuments.InvalidStatus(task.Id, task.Status);
        }
    }

    /// <summary>The user-properties section: any casing means it (ClearML lower-cases it).</summary>
    private const string PropertiesSection = "properties";

    /// <summary>Lower-cases the properties section's name in <paramref name="items"/>; true when it is the only section named.</summary>
    private static bool NormalizePropertiesSection(List<ParamItemDto?> items)
    {
        foreach (var item in items)
        {
            if (string.Equals(item!.Section?.Trim(), PropertiesSection, StringComparison.OrdinalIgnoreCase))
            {
                item.Section = PropertiesSection;
            }
        }
        return items.All(i => i!.Section == PropertiesSection);
    }

    private static JsonObject ItemJson(ParamItemDto item) =>
        JsonSerializer.SerializeToNode(item, ClearmlJson.Options)!.AsObject();

    /// <summary>One-level merge: <paramref name="update"/>'s top-level keys replace those of <paramref name="current"/>.</summary>
    private static JsonObject Merge(JsonObject? current, JsonObject update)
    {
        var merged = (JsonObject?)current?.DeepClone() ?? [];
        foreach (var (key, value) in update)
        {
            merged[key] = value?.DeepClone();
        }
        return merged;
    }

    /// <summary>
    /// <c>{updated, fields}</c>: the written fields as stored. <c>fields</c> is a JSON object, not a
    /// record: its keys are the ones the request wrote.
    /// </summary>
    private static UpdatedFieldsResponse Updated(TaskChanges changes, DateTimeOffset now)
    {
        if (changes.IsEmpty)
        {
            return new UpdatedFieldsResponse(0, []);
        }
        var fields = new JsonObject();
        void Add(string key, JsonNode? value)
        {
            if (value is not null)
            {
                fields[key] = value;
            }
        }
        Add("name", changes.Name);
        Add("type", changes.Type);
        Add("comment", changes.Comment);
        Add("tags", changes.Tags is null ? null : ModelDocuments.Strings(changes.Tags.Distinct().Order(StringComparer.Ordinal)));
        Add("system_tags", changes.SystemTags is null ? null : ModelDocuments.Strings(changes.SystemTags.Distinct().Order(StringComparer.Ordinal)));
        Add("parent", changes.Parent);
        Add("project", changes.Project);
        Add("created", changes.Created is { } created ? ClearmlJson.FormatDate(created) : null);
        Add("status_message", changes.StatusMessage);
        Add("status_reason", changes.StatusReason);
        Add("output", changes.Output?.DeepClone());
        Add("execution", changes.Execution?.DeepClone());
        Add("script", changes.Script?.DeepClone());
        Add("hyperparams", changes.Hyperparams?.DeepClone());
        Add("configuration", changes.Configuration?.DeepClone());
        Add("container", changes.Container?.DeepClone());
        Add("runtime", changes.Runtime?.DeepClone());
        Add("models.input", changes.InputModels is null ? null : TaskDocuments.ModelItems(changes.InputModels));
        Add("models.output", changes.OutputModels is null ? null : TaskDocuments.ModelItems(changes.OutputModels));
        Add("execution.artifacts", changes.Artifacts is null ? null : new JsonArray(changes.Artifacts.Select(a => (JsonNode?)a.DeepClone()).ToArray()));
        fields["last_change"] = ClearmlJson.FormatDate(now);
        fields["last_update"] = ClearmlJson.FormatDate(now);
        return new UpdatedFieldsResponse(1, fields);
    }
}
