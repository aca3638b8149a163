using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

// The small answers many write endpoints share, as ClearML's server words them.

/// <summary><c>{updated}</c>: how many entities a write changed (0 when it changed nothing).</summary>
public sealed record UpdatedResponse(int Updated);

/// <summary><c>{updated, fields}</c>: the entity's written fields as stored (ClearML's <c>edit</c>, <c>update</c> and status changes).</summary>
public sealed record UpdatedFieldsResponse(int Updated, JsonObject Fields);

/// <summary><c>{deleted}</c>: how many items a delete removed.</summary>
public sealed record DeletedResponse(long Deleted);

/// <summary><c>{id, created}</c>: <c>models.create</c> and <c>models.update_for_task</c> (false when an existing model was updated).</summary>
public sealed record CreatedResponse(string Id, bool Created);

/// <summary><c>models.move</c>: the models' project, written as null when they moved to the root.</summary>
public sealed record MoveModelsResponse(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ProjectId);

/// <summary><c>models.get_frameworks</c>.</summary>
public sealed record FrameworksResponse(IReadOnlyList<string> Frameworks);

/// <summary><c>tasks.get_types</c>.</summary>
public sealed record TaskTypesResponse(IReadOnlyList<string> Types);
