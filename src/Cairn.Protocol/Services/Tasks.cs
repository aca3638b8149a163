using System.Text.Json.Nodes;

namespace Cairn.Protocol.Services;

/// <summary>The fields <c>tasks.create</c> and <c>tasks.edit</c> share.</summary>
public abstract class TaskFieldsRequest
{
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Comment { get; set; }
    public List<string?>? Tags { get; set; }
    public List<string?>? SystemTags { get; set; }
    public string? Parent { get; set; }
    public string? Project { get; set; }

    /// <summary>An alias of <c>output.destination</c>.</summary>
    public string? OutputDest { get; set; }
    public JsonObject? Output { get; set; }
    public JsonObject? Execution { get; set; }
    public JsonObject? Script { get; set; }
    public JsonObject? Hyperparams { get; set; }
    public JsonObject? Configuration { get; set; }
    public JsonObject? Models { get; set; }
    public JsonObject? Container { get; set; }
    public JsonObject? Runtime { get; set; }
}

public sealed class CreateTaskRequest : TaskFieldsRequest;

public sealed class EditTaskRequest : TaskFieldsRequest
{
    public string? Task { get; set; }
    public bool Force { get; set; }
}

public sealed class UpdateTaskRequest
{
    public string? Task { get; set; }
    public string? Name { get; set; }
    public string? Comment { get; set; }
    public List<string?>? Tags { get; set; }
    public List<string?>? SystemTags { get; set; }
    public string? Project { get; set; }
    public DateTimeOffset? Created { get; set; }
    public string? StatusMessage { get; set; }
    public string? StatusReason { get; set; }
    public JsonObject? Output { get; set; }
}

/// <summary>The request of the status endpoints (<c>started</c>, <c>stopped</c>, <c>completed</c>…).</summary>
public sealed class TaskStatusRequest
{
    public string? Task { get; set; }
    public bool Force { get; set; }
    public string? StatusReason { get; set; }
    public string? StatusMessage { get; set; }

    /// <summary><c>tasks.completed</c>: publish the task after completing it.</summary>
    public bool Publish { get; set; }

    /// <summary><c>tasks.publish</c>: also publish the task's last output model.</summary>
    public bool PublishModel { get; set; } = true;
}

public sealed class ResetTaskRequest
{
    public string? Task { get; set; }
    public bool Force { get; set; }
    public bool ClearAll { get; set; }
    public bool DeleteOutputModels { get; set; } = true;
    public bool ReturnFileUrls { get; set; }
}

public sealed class DeleteTaskRequest
{
    public string? Task { get; set; }
    public bool Force { get; set; }
    public bool MoveToTrash { get; set; } = true;
    public bool DeleteOutputModels { get; set; } = true;
    public bool ReturnFileUrls { get; set; }
    public bool DeleteExternalArtifacts { get; set; } = true;
}

public sealed class SetRequirementsRequest
{
    public string? Task { get; set; }
    public JsonObject? Requirements { get; set; }
}

public sealed class AddOrUpdateTaskModelRequest
{
    public string? Task { get; set; }
    public string? Name { get; set; }
    public string? Model { get; set; }
    public string? Type { get; set; }
    public long? Iteration { get; set; }
}

public sealed class TaskModelRefDto
{
    public string? Name { get; set; }
    public string? Type { get; set; }
}

public sealed class DeleteTaskModelsRequest
{
    public string? Task { get; set; }
    public List<TaskModelRefDto?>? Models { get; set; }
}

public sealed class AddOrUpdateArtifactsRequest
{
    public string? Task { get; set; }
    public JsonArray? Artifacts { get; set; }
    public bool Force { get; set; }
}

public sealed class ArtifactRefDto
{
    public string? Key { get; set; }
    public string? Mode { get; set; }
}

public sealed class DeleteArtifactsRequest
{
    public string? Task { get; set; }
    public List<ArtifactRefDto?>? Artifacts { get; set; }
    public bool Force { get; set; }
}

public sealed class TaskIdsRequest
{
    public List<string?>? Tasks { get; set; }
    public List<string?>? Names { get; set; }
}

/// <summary>A hyper-parameter or configuration item; <c>section</c> only for hyper-parameters.</summary>
public sealed class ParamItemDto
{
    public string? Section { get; set; }
    public string? Name { get; set; }
    public string? Value { get; set; }
    public string? Type { get; set; }
    public string? Description { get; set; }
}

public sealed class EditHyperParamsRequest
{
    public string? Task { get; set; }
    public List<ParamItemDto?>? Hyperparams { get; set; }

    /// <summary><c>none</c> (default), <c>section</c> or <c>all</c>.</summary>
    public string? ReplaceHyperparams { get; set; }
    public bool Force { get; set; }
}

public sealed class DeleteHyperParamsRequest
{
    public string? Task { get; set; }
    public List<ParamItemDto?>? Hyperparams { get; set; }
    public bool Force { get; set; }
}

public sealed class EditConfigurationRequest
{
    public string? Task { get; set; }
    public List<ParamItemDto?>? Configuration { get; set; }
    public bool ReplaceConfiguration { get; set; }
    public bool Force { get; set; }
}

public sealed class DeleteConfigurationRequest
{
    public string? Task { get; set; }
    public List<string?>? Configuration { get; set; }
    public bool Force { get; set; }
}

/// <summary><c>tasks.clone</c> (2.5; 2.12 <c>new_project_name</c>; 2.13 input models and container).</summary>
public sealed class CloneTaskRequest
{
    public string? Task { get; set; }
    public string? NewTaskName { get; set; }
    public string? NewTaskComment { get; set; }
    public List<string?>? NewTaskTags { get; set; }
    public List<string?>? NewTaskSystemTags { get; set; }
    public string? NewTaskParent { get; set; }
    public string? NewTaskProject { get; set; }
    public JsonObject? NewTaskHyperparams { get; set; }
    public JsonObject? NewTaskConfiguration { get; set; }
    public JsonObject? NewTaskContainer { get; set; }
    public JsonArray? NewTaskInputModels { get; set; }
    public JsonObject? ExecutionOverrides { get; set; }
    public bool ValidateReferences { get; set; }
    public string? NewProjectName { get; set; }
}

/// <summary>
/// The <c>tasks.*_many</c> batch calls: <c>ids</c> and the flags of the single-task call each
/// repeats (ClearML's defaults: <c>publish_model</c>, <c>delete_output_models</c>,
/// <c>delete_external_artifacts</c> true).
/// </summary>
public sealed class TaskBatchRequest
{
    public List<string?>? Ids { get; set; }
    public bool Force { get; set; }
    public string? StatusReason { get; set; }
    public string? StatusMessage { get; set; }
    public bool PublishModel { get; set; } = true;
    public bool ClearAll { get; set; }
    public bool DeleteOutputModels { get; set; } = true;
    public bool ReturnFileUrls { get; set; }
    public bool DeleteExternalArtifacts { get; set; } = true;
    public bool MoveToTrash { get; set; } = true;
}

/// <summary><c>tasks.archive</c>: <c>{tasks: [ids]}</c>.</summary>
public sealed class ArchiveTasksRequest
{
    public List<string?>? Tasks { get; set; }
    public string? StatusReason { get; set; }
    public string? StatusMessage { get; set; }
}

/// <summary><c>tasks.get_types</c>: the types in use, in these projects (and their subprojects) or everywhere.</summary>
public sealed class GetTaskTypesRequest
{
    public List<string?>? Projects { get; set; }
}
