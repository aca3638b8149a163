using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

// The entity documents as the SDK reads them from get_by_id and get_all answers (and, for a model,
// holds before it exists on the server). Each lists the fields of ClearML's schema a client reads;
// fields it does not list are skipped when read. Every field is optional: a get_all with
// only_fields returns a few of them.

/// <summary>A model (ClearML's <c>model</c> definition in <c>models.conf</c>).</summary>
public sealed record ModelDocument
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? User { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? LastUpdate { get; init; }

    /// <summary>The id of the task that created the model.</summary>
    public string? Task { get; init; }

    /// <summary>The id of the model this one derives from.</summary>
    public string? Parent { get; init; }
    public string? Project { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? SystemTags { get; init; }
    public string? Framework { get; init; }

    /// <summary>Open-ended: ClearML's schema types it as a free object (its SDKs write <c>{design: text}</c>).</summary>
    public JsonObject? Design { get; init; }

    /// <summary>Label → class index (ClearML allows a null index).</summary>
    public IReadOnlyDictionary<string, int?>? Labels { get; init; }
    public string? Uri { get; init; }

    /// <summary>Published.</summary>
    public bool? Ready { get; init; }

    /// <summary>Keyed by the stored (escaped) key; servers before API 2.13 answer an empty list, read as empty.</summary>
    [JsonConverter(typeof(MetadataMapConverter))]
    public IReadOnlyDictionary<string, MetadataItemDto?>? Metadata { get; init; }
    public long? LastIteration { get; init; }

    /// <summary>Open-ended: metric hash → variant hash → the variant's last values.</summary>
    public JsonObject? LastMetrics { get; init; }
}

/// <summary>A task (ClearML's <c>task</c> definition in <c>tasks.conf</c>).</summary>
public sealed record TaskDocument
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? User { get; init; }
    public string? Type { get; init; }
    public string? Status { get; init; }
    public string? StatusReason { get; init; }
    public string? StatusMessage { get; init; }
    public string? Comment { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Completed { get; init; }
    public DateTimeOffset? LastUpdate { get; init; }
    public string? Parent { get; init; }
    public string? Project { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? SystemTags { get; init; }
    public TaskOutputDto? Output { get; init; }

    /// <summary>
    /// Open-ended and kept whole: <c>tasks.edit</c> replaces <c>execution</c> as a unit, so a client
    /// that changes one part (<c>model_labels</c>) sends back every field it read, known to it or not.
    /// Holds <c>artifacts</c> (see <see cref="TaskArtifactDto"/>) and <c>model_labels</c>.
    /// </summary>
    public JsonObject? Execution { get; init; }

    /// <summary>The task's model entries.</summary>
    public TaskModelsDto? Models { get; init; }

    /// <summary>Open-ended: section → name → hyper-parameter item.</summary>
    public JsonObject? Hyperparams { get; init; }

    /// <summary>Open-ended: name → configuration item; replaced as a unit by <c>tasks.edit</c>.</summary>
    public JsonObject? Configuration { get; init; }
    public long? LastIteration { get; init; }
}

/// <summary>A task's <c>output</c>: where its models and artifacts go.</summary>
public sealed record TaskOutputDto
{
    public string? Destination { get; init; }
    public string? Model { get; init; }
    public string? Result { get; init; }
    public string? Error { get; init; }
}

/// <summary>A task's <c>models</c>: its input and output model entries.</summary>
public sealed record TaskModelsDto
{
    public IReadOnlyList<TaskModelEntryDto>? Input { get; init; }
    public IReadOnlyList<TaskModelEntryDto>? Output { get; init; }
}

/// <summary>One model entry of a task: the entry's name and the model's id.</summary>
public sealed record TaskModelEntryDto
{
    public string? Name { get; init; }
    public string? Model { get; init; }
    public DateTimeOffset? Updated { get; init; }
}

/// <summary>One artifact of a task (<c>execution.artifacts[]</c>, <c>tasks.add_or_update_artifacts</c>).</summary>
public sealed record TaskArtifactDto
{
    public string? Key { get; init; }
    public string? Type { get; init; }

    /// <summary><c>output</c> or <c>input</c>.</summary>
    public string? Mode { get; init; }
    public string? Uri { get; init; }
    public long? ContentSize { get; init; }
    public string? Hash { get; init; }

    /// <summary>Seconds since the epoch.</summary>
    public long? Timestamp { get; init; }
    public TaskArtifactTypeDataDto? TypeData { get; init; }

    /// <summary>Key/value pairs, each a two-element list as ClearML stores them.</summary>
    public IReadOnlyList<IReadOnlyList<string?>>? DisplayData { get; init; }
}

/// <summary>An artifact's <c>type_data</c>.</summary>
public sealed record TaskArtifactTypeDataDto
{
    public string? Preview { get; init; }
    public string? ContentType { get; init; }
    public string? DataHash { get; init; }
}

/// <summary>A project (ClearML's <c>project</c> definition in <c>projects.conf</c>).</summary>
public sealed record ProjectDocument
{
    public string? Id { get; init; }

    /// <summary>The full name (<c>a/b</c> for a sub-project).</summary>
    public string? Name { get; init; }
    public string? Basename { get; init; }
    public string? Description { get; init; }
    public string? User { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? LastUpdate { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? SystemTags { get; init; }
    public string? DefaultOutputDestination { get; init; }
}

/// <summary><c>models.get_by_id</c>.</summary>
public sealed record GetModelByIdResponse(ModelDocument Model);

/// <summary><c>models.get_all</c>; <c>scroll_id</c> when the call scrolled.</summary>
public sealed record GetAllModelsResponse(IReadOnlyList<ModelDocument> Models, string? ScrollId = null);

/// <summary><c>tasks.get_by_id</c>.</summary>
public sealed record GetTaskByIdResponse(TaskDocument Task);

/// <summary><c>tasks.get_all</c>; <c>scroll_id</c> when the call scrolled.</summary>
public sealed record GetAllTasksResponse(IReadOnlyList<TaskDocument> Tasks, string? ScrollId = null);

/// <summary><c>projects.get_by_id</c>.</summary>
public sealed record GetProjectByIdResponse(ProjectDocument Project);

/// <summary><c>projects.get_all</c>; <c>scroll_id</c> when the call scrolled.</summary>
public sealed record GetAllProjectsResponse(IReadOnlyList<ProjectDocument> Projects, string? ScrollId = null);
