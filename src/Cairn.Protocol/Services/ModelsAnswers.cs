using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

// The items of models.publish_many and models.delete_many, as ClearML's server words them.

/// <summary>
/// <c>models.publish_many</c>'s item: <c>published_task</c> is the task published with the model,
/// written as null when none was.
/// </summary>
public sealed record ModelPublishedItem(
    bool Updated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] PublishedTaskDto? PublishedTask) : BatchItem;

/// <summary>The task a model was published with, and what <c>tasks.publish</c> would have answered.</summary>
public sealed record PublishedTaskDto(string Id, UpdatedFieldsResponse Data);

/// <summary><c>models.delete_many</c>'s item (and <c>models.delete</c>'s answer): the weights' URL, null when it had none.</summary>
public sealed record ModelDeletedItem(
    bool Deleted,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Url) : BatchItem;
