namespace Cairn.Core.Projects;

/// <summary>
/// A project. <see cref="Name"/> is the full path ("a/b/c"), <see cref="Basename"/> its last part,
/// and <see cref="Path"/> the ids of its ancestors from the root down.
/// </summary>
public sealed record Project
{
    public required string Id { get; init; }
    public required string Company { get; init; }
    public required string Name { get; init; }
    public required string Basename { get; init; }
    public string? Description { get; init; }
    public string? User { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset LastUpdate { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> SystemTags { get; init; } = [];
    public string? DefaultOutputDestination { get; init; }
    public string? Parent { get; init; }
    public IReadOnlyList<string> Path { get; init; } = [];

    public const string HiddenTag = "hidden";
}

/// <summary>The fields a client may set on a new project.</summary>
public sealed record NewProject(
    string Company,
    string User,
    ProjectName Name,
    string? Description,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SystemTags,
    string? DefaultOutputDestination);

/// <summary>The fields <c>projects.update</c> writes; a null member is left unchanged.</summary>
public sealed record ProjectChanges(
    ProjectName? Name = null,
    string? Description = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? SystemTags = null,
    string? DefaultOutputDestination = null);

/// <summary>What a project holds directly (not counting subprojects), for <c>get_all_ex</c> and delete.</summary>
public sealed record ProjectContents(int Models, int Tasks, int ArchivedModels, int ArchivedTasks);

/// <summary>A descendant of a project, with its ancestor ids, as <c>get_all_ex</c> lists it.</summary>
public sealed record SubProject(string Id, string Name, IReadOnlyList<string> Path, bool Hidden);

/// <summary>Task statistics of a project (ClearML's <c>stats.active</c> / <c>stats.archived</c>).</summary>
public sealed record ProjectTaskStats(
    IReadOnlyDictionary<string, int> StatusCount,
    int TotalTasks,
    long TotalRuntimeSeconds,
    int CompletedTasks24h,
    DateTimeOffset? LastTaskRun)
{
    /// <summary>Every task status ClearML counts, each reported even when zero.</summary>
    public static readonly string[] Statuses =
        ["created", "queued", "in_progress", "stopped", "publishing", "published", "closed", "failed", "completed", "unknown"];

    public static ProjectTaskStats Empty { get; } =
        new(Statuses.ToDictionary(s => s, _ => 0), 0, 0, 0, null);
}

public enum ProjectCreateOutcome
{
    Created,
    AlreadyExists,
    PublicProjectExists,
}

/// <summary>The outcome and the project's id: the new one, or the existing one of that name.</summary>
public sealed record ProjectCreateResult(ProjectCreateOutcome Outcome, string Id);

public enum ProjectUpdateOutcome
{
    Updated,
    NotFound,
    NameTaken,
    /// <summary>The new name would move the project under another parent; that is <c>projects.move</c>'s job.</summary>
    LocationChanged,
}

/// <summary>
/// What a delete did: how many projects it removed, and how many models and tasks it moved to the
/// root (or deleted, when the contents were deleted too).
/// </summary>
public sealed record ProjectDeleteResult(int Deleted, int Models, int Tasks);
