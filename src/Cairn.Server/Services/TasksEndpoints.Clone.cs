using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Projects;
using Cairn.Core.Storage;
using Cairn.Core.Tasks;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>tasks.clone</c>, as ClearML's <c>TaskBLL.clone_task</c> (<c>apiserver/bll/task/task_bll.py</c>).</summary>
public static partial class TasksEndpoints
{
    /// <summary>The name ClearML gives an input model set through <c>execution_overrides.model</c>.</summary>
    private const string LegacyInputModelName = "Input Model";

    /// <summary>
    /// A new draft (<c>created</c>) task from a company or public one: its definition is copied
    /// (type, script, hyperparameters, configuration, container, execution, input models, output
    /// destination) and its results are not (output models, output artifacts, metrics, status).
    /// Its parent is the source's parent, or the source itself when it has none. Fields copied
    /// from the source are checked only with <c>validate_references</c>; the ones given are always.
    /// </summary>
    private static async Task<object?> CloneAsync(ApiCall call)
    {
        var request = call.Read<CloneTaskRequest>();
        var id = TaskDocuments.RequireId(request.Task);
        var store = call.Service<IMetadataStore>();
        var identity = call.Identity;
        var now = call.Service<TimeProvider>().GetUtcNow();
        var source = await store.Tasks.GetByIdOrNullAsync(identity.Company, id, call.Aborted).ConfigureAwait(false)
            ?? throw TaskDocuments.InvalidId(id);

        var name = string.IsNullOrEmpty(request.NewTaskName) ? source.Name : ModelRules.Name(request.NewTaskName);
        var tags = ModelDocuments.ReadTags("new_task_tags", request.NewTaskTags);
        var systemTags = ModelDocuments.ReadTags("new_task_system_tags", request.NewTaskSystemTags);
        var hyperparams = request.NewTaskHyperparams is { Count: > 0 } h ? TaskDocuments.ReadHyperparams(h) : (JsonObject?)source.Hyperparams?.DeepClone();
        var configuration = request.NewTaskConfiguration is { Count: > 0 } c ? TaskDocuments.ReadConfiguration(c) : (JsonObject?)source.Configuration?.DeepClone();
        var inputModels = ReadModelList(request.NewTaskInputModels is null ? null : new JsonObject { ["input"] = request.NewTaskInputModels.DeepClone() }, "input", now);
        var container = request.NewTaskContainer is { Count: > 0 } ? (JsonObject)request.NewTaskContainer.DeepClone() : null;

        // Execution: the source's, with the overrides' top-level keys over it; the legacy model
        // and docker_cmd keys become an input model and the container; the queue is not copied.
        var execution = (JsonObject?)source.Execution?.DeepClone() ?? [];
        var artifacts = source.Artifacts.Select(a => (JsonObject)a.DeepClone()).ToList();
        if (request.ExecutionOverrides is { } overrides)
        {
            var copy = (JsonObject)overrides.DeepClone();
            if (copy["model"] is JsonValue model && model.TryGetValue<string>(out var modelId) && inputModels is not { Count: > 0 })
            {
                inputModels = [new TaskModelItem(LegacyInputModelName, modelId, now)];
            }
            if (copy["docker_cmd"] is JsonValue docker && docker.TryGetValue<string>(out var dockerCmd) && container is null && dockerCmd.Length > 0)
            {
                var space = dockerCmd.IndexOf(' ', StringComparison.Ordinal);
                container = new JsonObject
                {
                    ["image"] = space < 0 ? dockerCmd : dockerCmd[..space],
                    ["arguments"] = space < 0 ? "" : dockerCmd[(space + 1)..],
                };
            }
            copy.Remove("model");
            copy.Remove("docker_cmd");
            if (copy["artifacts"] is { } overridden)
            {
                artifacts = overridden is JsonArray list
                    ? TaskRules.MergeArtifacts([], list.Select(TaskRules.Artifact))
                    : throw CairnException.Validation("error for field 'execution_overrides.artifacts': expected a list");
                copy.Remove("artifacts");
            }
            execution = Merge(execution, copy);
        }
        execution.Remove("queue");
        // Output artifacts are results of the source's run; input ones are part of its definition.
        artifacts = artifacts.Where(a => TaskRules.ModeOf(a) != TaskRules.OutputMode).ToList();

        var parent = request.NewTaskParent
            ?? (source.Parent is { } p && !p.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal) ? p : source.Id);
        var project = string.IsNullOrEmpty(request.NewTaskProject) ? null : request.NewTaskProject;
        NewProjectDto? newProject = null;
        if (project is null && !string.IsNullOrWhiteSpace(request.NewProjectName))
        {
            // Found by full name, or created with any missing ancestors.
            var projectName = ProjectName.Parse(request.NewProjectName);
            project = await store.Projects.GetOrCreateAsync(new NewProject(identity.Company, identity.User, projectName, "", [], [], null), now, call.Aborted).ConfigureAwait(false);
            newProject = new NewProjectDto(project, request.NewProjectName);
        }

        var validate = request.ValidateReferences;
        if ((validate || request.NewTaskProject is { Length: > 0 }) && project is not null)
        {
            await RequireProjectAsync(call, project, missing => new CairnException(ErrorCodes.InvalidProjectId, null, new Dictionary<string, object?> { ["id"] = missing })).ConfigureAwait(false);
        }
        if ((validate || request.NewTaskParent is not null) && !parent.StartsWith(Model.DeletedPrefix, StringComparison.Ordinal)
            && await store.Tasks.GetInfoOrNullAsync(identity.Company, parent, call.Aborted).ConfigureAwait(false) is null)
        {
            throw TaskDocuments.InvalidId(parent);
        }
        var inputs = inputModels ?? source.InputModels.ToList();
        if (validate || inputModels is not null)
        {
            foreach (var input in inputs)
            {
                if (await store.Models.GetByIdOrNullAsync(identity.Company, input.Model, call.Aborted).ConfigureAwait(false) is null)
                {
                    throw ModelDocuments.InvalidId(input.Model, identity.Company);
                }
            }
        }

        var task = new TaskRecord
        {
            Id = EntityId.New(),
            Company = identity.Company,
            Name = name,
            Type = source.Type,
            Status = TaskStatuses.Created,
            Comment = string.IsNullOrEmpty(request.NewTaskComment) ? source.Comment : request.NewTaskComment,
            Created = now,
            Parent = parent,
            Project = project ?? source.Project,
            User = identity.User,
            Tags = tags is { Count: > 0 } ? tags : source.Tags,
            // A clone is no longer the SDK's development task, and starts unarchived.
            SystemTags = systemTags is { Count: > 0 } ? systemTags : source.SystemTags.Where(t => t is not (DevelopmentTag or Model.ArchivedTag)).ToList(),
            Output = source.Output?["destination"] is { } destination ? new JsonObject { ["destination"] = destination.DeepClone() } : null,
            Execution = execution,
            Script = TaskDocuments.Script(source.Script),
            Hyperparams = hyperparams,
            Configuration = configuration,
            Container = container ?? (JsonObject?)source.Container?.DeepClone(),
            Runtime = [],
            Artifacts = artifacts,
            InputModels = inputs,
            OutputModels = [],
            LastUpdate = now,
            LastChange = now,
            LastChangedBy = identity.User,
        };
        await store.Tasks.InsertAsync(task, call.Aborted).ConfigureAwait(false);
        return new CloneTaskResponse(task.Id, newProject);
    }

    /// <summary>The system tag the SDK puts on the task a developer runs from their machine.</summary>
    private const string DevelopmentTag = "development";
}
