using System.Text.Json.Nodes;

namespace Cairn.Core.Tasks;

/// <summary>
/// A task (ClearML's experiment) as stored: the document of api.md §5.1. Named TaskRecord so it does
/// not collide with <see cref="System.Threading.Tasks.Task"/>. Free-form parts are JSON objects;
/// <see cref="Hyperparams"/> and <see cref="Configuration"/> hold unescaped names (the store escapes them).
/// </summary>
public sealed record TaskRecord
{
    public required string Id { get; init; }
    public required string Company { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string Status { get; init; } = TaskStatuses.Created;
    public string? StatusReason { get; init; }
    public string? StatusMessage { get; init; }
    public DateTimeOffset? StatusChanged { get; init; }
    public string? Comment { get; init; }
    public required DateTimeOffset Created { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Completed { get; init; }
    public DateTimeOffset? Published { get; init; }

    /// <summary>Seconds the task has spent in progress.</summary>
    public double? ActiveDuration { get; init; }
    public string? Parent { get; init; }
    public string? Project { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> SystemTags { get; init; } = [];

    /// <summary><c>{destination, error, result}</c>.</summary>
    public JsonObject? Output { get; init; }

    /// <summary><c>{test_split, parameters, model_desc, model_labels, framework, queue}</c>; artifacts are kept apart in <see cref="Artifacts"/>.</summary>
    public JsonObject? Execution { get; init; }
    public JsonObject? Script { get; init; }

    /// <summary>section → name → <c>{section, name, value, type, description}</c>.</summary>
    public JsonObject? Hyperparams { get; init; }

    /// <summary>name → <c>{name, value, type, description}</c>.</summary>
    public JsonObject? Configuration { get; init; }
    public JsonObject? Container { get; init; }
    public JsonObject? Runtime { get; init; }

    /// <summary>The artifacts, unique by key and mode, sorted by key (then mode).</summary>
    public IReadOnlyList<JsonObject> Artifacts { get; init; } = [];
    public IReadOnlyList<TaskModelItem> InputModels { get; init; } = [];
    public IReadOnlyList<TaskModelItem> OutputModels { get; init; } = [];
    public long LastIteration { get; init; }
    public JsonObject? LastMetrics { get; init; }
    public required DateTimeOffset LastUpdate { get; init; }
    public DateTimeOffset? LastChange { get; init; }
    public string? LastChangedBy { get; init; }

    public bool Hidden => SystemTags.Contains(HiddenTag);

    public bool Archived => SystemTags.Contains(Models.Model.ArchivedTag);

    /// <summary>The system tag that hides a task from <c>get_all</c> unless <c>search_hidden</c>.</summary>
    public const string HiddenTag = "hidden";
}

/// <summary>
/// What a write sets; a null member is left as it is. Lists and objects replace the stored value
/// whole (merging is the caller's business). The store stamps last_change, last_changed_by and last_update.
/// </summary>
public sealed record TaskChanges
{
    public string? Name { get; init; }
    public string? Type { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? SystemTags { get; init; }

    /// <summary>A parent id; "" clears it.</summary>
    public string? Parent { get; init; }

    /// <summary>A project id; "" moves the task to the root.</summary>
    public string? Project { get; init; }
    public DateTimeOffset? Created { get; init; }
    public string? StatusMessage { get; init; }
    public string? StatusReason { get; init; }
    public JsonObject? Output { get; init; }
    public JsonObject? Execution { get; init; }
    public JsonObject? Script { get; init; }
    public JsonObject? Hyperparams { get; init; }
    public JsonObject? Configuration { get; init; }
    public JsonObject? Container { get; init; }
    public JsonObject? Runtime { get; init; }
    public IReadOnlyList<JsonObject>? Artifacts { get; init; }
    public IReadOnlyList<TaskModelItem>? InputModels { get; init; }
    public IReadOnlyList<TaskModelItem>? OutputModels { get; init; }
    public long? LastIteration { get; init; }

    public bool IsEmpty => this == new TaskChanges();
}

/// <summary>Why a task delete was refused, or that it went ahead (ClearML's <c>cleanup_task</c> checks, in its order).</summary>
public enum TaskDeleteOutcome
{
    Deleted,

    /// <summary>The company owns no such task.</summary>
    NotFound,

    /// <summary>Neither created nor archived, and no <c>force</c> (400/123 "due to status").</summary>
    InvalidStatus,

    /// <summary>A child task is published (400/123 "has published children").</summary>
    HasPublishedChildren,

    /// <summary>A model naming the task as its creator is ready (400/123 "has output models").</summary>
    HasPublishedModels,

    /// <summary>A model in the task's output list is ready (400/123 "has output model").</summary>
    HasPublishedOutputModel,
}

/// <summary>What a task delete did: the counts ClearML reports and the URLs of what went with it.</summary>
/// <param name="Outcome">Deleted, or why not; nothing is changed unless deleted.</param>
/// <param name="Task">The task as it was when deleted (or refused); null when there was none.</param>
/// <param name="UpdatedChildren">Tasks whose parent it was.</param>
/// <param name="UpdatedModels">Models it created that were kept, now pointing at <c>__DELETED__&lt;id&gt;</c>.</param>
/// <param name="DeletedModels">Draft output models deleted with it.</param>
/// <param name="DeletedModelUrls">Weights URLs of the deleted output models: the file server's deletion queue takes them.</param>
public sealed record TaskDeleteResult(
    TaskDeleteOutcome Outcome,
    TaskRecord? Task,
    int UpdatedChildren,
    int UpdatedModels,
    int DeletedModels,
    IReadOnlyList<string> DeletedModelUrls)
{
    public bool Deleted => Outcome == TaskDeleteOutcome.Deleted;

    /// <summary>For a refusal: how many children or models block it.</summary>
    public int BlockingCount { get; init; }

    /// <summary>For <see cref="TaskDeleteOutcome.HasPublishedOutputModel"/>: the ready output model.</summary>
    public string? BlockingModel { get; init; }

    public static TaskDeleteResult Refused(TaskDeleteOutcome outcome, TaskRecord? task) => new(outcome, task, 0, 0, 0, []);
}

/// <summary>What a reset did: false when the status changed meanwhile; else the output models the task had.</summary>
public sealed record TaskResetResult(bool Reset, IReadOnlyList<TaskModelItem> OutputModels);
