using System.Text.Json.Nodes;

namespace Cairn.Protocol.Services;

// The answers of the tasks.* status machine, deletes and parameter reads, as ClearML's server
// words them. `fields` echoes what a write stored (its keys depend on the write), so it stays a
// JsonObject; parameter and configuration items are stored as their clients sent them.

/// <summary>
/// <c>tasks.stop</c>, <c>stopped</c>, <c>publish</c> (and their <c>*_many</c> items):
/// <c>{updated, fields}</c>, the status fields as written.
/// </summary>
public sealed record TaskStatusChangedResponse(int Updated, JsonObject Fields) : BatchItem;

/// <summary><c>tasks.reset</c> (and <c>reset_many</c>'s items, with <c>dequeued</c>).</summary>
/// <param name="Updated">1: the task was reset.</param>
/// <param name="Fields">The status fields as written.</param>
/// <param name="DeletedModels">Draft output models deleted with the run.</param>
/// <param name="Urls">The files of the deleted output models; only with <c>return_file_urls</c>.</param>
/// <param name="Dequeued">Only in <c>reset_many</c>: always false, as no task here is queued.</param>
public sealed record TaskResetResponse(int Updated, JsonObject Fields, int DeletedModels, FileUrlsDto? Urls = null, bool? Dequeued = null) : BatchItem;

/// <summary><c>tasks.delete</c> (and <c>delete_many</c>'s items).</summary>
/// <param name="Deleted">True: the task was deleted.</param>
/// <param name="UpdatedChildren">Tasks whose parent it was.</param>
/// <param name="UpdatedModels">Models it created that were kept.</param>
/// <param name="DeletedModels">Draft output models deleted with it.</param>
/// <param name="Urls">The files that went with the task; only with <c>return_file_urls</c>.</param>
public sealed record TaskDeletedResponse(bool Deleted, int UpdatedChildren, int UpdatedModels, int DeletedModels, FileUrlsDto? Urls = null) : BatchItem;

/// <summary>The files a delete or reset queued for deletion (<c>return_file_urls</c>).</summary>
public sealed record FileUrlsDto(IReadOnlyList<string> ModelUrls, IReadOnlyList<string> EventUrls, IReadOnlyList<string> ArtifactUrls);

/// <summary><c>tasks.archive</c>: how many of the tasks were archived now.</summary>
public sealed record TasksArchivedResponse(int Archived);

/// <summary><c>tasks.clone</c>: the new task, and the project made for it when <c>new_project_name</c> named none.</summary>
public sealed record CloneTaskResponse(string Id, NewProjectDto? NewProject = null);

/// <summary>A project <c>tasks.clone</c> found or made by name.</summary>
public sealed record NewProjectDto(string Id, string Name);

/// <summary><c>tasks.get_hyper_params</c>: each task's parameters, each item with its <c>section</c> and <c>name</c>.</summary>
public sealed record TaskHyperParamsResponse(IReadOnlyList<TaskHyperParamsDto> Params);

/// <summary>One task's hyper-parameter items, as stored.</summary>
public sealed record TaskHyperParamsDto(string Task, IReadOnlyList<JsonObject> Hyperparams);

/// <summary><c>tasks.get_configurations</c>: each task's configuration items, each with its <c>name</c>.</summary>
public sealed record TaskConfigurationsResponse(IReadOnlyList<TaskConfigurationDto> Configurations);

/// <summary>One task's configuration items, as stored.</summary>
public sealed record TaskConfigurationDto(string Task, IReadOnlyList<JsonObject> Configuration);

/// <summary><c>tasks.get_configuration_names</c>: each task's configuration names, sorted.</summary>
public sealed record TaskConfigurationNamesResponse(IReadOnlyList<TaskConfigurationNamesDto> Configurations);

/// <summary>One task's configuration names.</summary>
public sealed record TaskConfigurationNamesDto(string Task, IReadOnlyList<string> Names);
