using System.Text.Json.Nodes;

namespace Cairn.Protocol.Services;

/// <summary>A metadata entry on the wire: key, type and value, all strings.</summary>
public sealed class MetadataItemDto
{
    public string? Key { get; set; }
    public string? Type { get; set; }
    public string? Value { get; set; }
}

/// <summary>The fields <c>models.create</c>, <c>models.edit</c> and <c>models.update</c> share.</summary>
public abstract class ModelFieldsRequest
{
    public string? Name { get; set; }
    public string? Comment { get; set; }
    public List<string?>? Tags { get; set; }
    public List<string?>? SystemTags { get; set; }
    public string? Uri { get; set; }
    public string? Project { get; set; }
    public string? Task { get; set; }

    /// <summary>Keyed by metadata key (the list form is only for <c>add_or_update_metadata</c>).</summary>
    public Dictionary<string, MetadataItemDto?>? Metadata { get; set; }
}

public sealed class CreateModelRequest : ModelFieldsRequest
{
    public string? Framework { get; set; }
    public JsonObject? Design { get; set; }
    public Dictionary<string, int?>? Labels { get; set; }

    /// <summary>ClearML's server defaults this to true when omitted, although its schema says false.</summary>
    public bool? Ready { get; set; }
    public bool Public { get; set; }
    public string? Parent { get; set; }
    public JsonObject? UiCache { get; set; }
}

public sealed class EditModelRequest : ModelFieldsRequest
{
    public string? Model { get; set; }
    public string? Framework { get; set; }
    public JsonObject? Design { get; set; }
    public Dictionary<string, int?>? Labels { get; set; }
    public bool? Ready { get; set; }
    public string? Parent { get; set; }
    public long? Iteration { get; set; }
}

public sealed class UpdateModelRequest : ModelFieldsRequest
{
    public string? Model { get; set; }
    public DateTimeOffset? Created { get; set; }
    public JsonObject? UiCache { get; set; }
    public long? Iteration { get; set; }
}

public sealed class ModelRequest
{
    public string? Model { get; set; }
}

public sealed class TaskRequest
{
    public string? Task { get; set; }
}

public sealed class SetReadyRequest
{
    public string? Model { get; set; }
    public bool ForcePublishTask { get; set; }
    public bool PublishTask { get; set; } = true;
}

public sealed class ModelIdsRequest
{
    public List<string?>? Ids { get; set; }
    public bool ForcePublishTask { get; set; }
    public bool PublishTask { get; set; } = true;
    public bool Force { get; set; }
}

public sealed class DeleteModelRequest
{
    public string? Model { get; set; }
    public bool Force { get; set; }

    /// <summary>Accepted for compatibility; weights on the file server are deleted by the files issue's deletion queue.</summary>
    public bool DeleteExternalArtifacts { get; set; } = true;
}

/// <summary><c>models.delete_many</c>: as ClearML's ModelsDeleteManyRequest.</summary>
public sealed class DeleteModelsRequest
{
    public List<string?>? Ids { get; set; }
    public bool Force { get; set; }

    /// <summary>False keeps the deleted models' weights wherever they are (nothing is queued for deletion).</summary>
    public bool DeleteExternalArtifacts { get; set; } = true;
}

public sealed class MoveModelsRequest
{
    public List<string?>? Ids { get; set; }
    public string? Project { get; set; }
    public string? ProjectName { get; set; }
}

public sealed class AddOrUpdateMetadataRequest
{
    public string? Model { get; set; }
    public List<MetadataItemDto?>? Metadata { get; set; }
    public bool ReplaceMetadata { get; set; }
}

public sealed class DeleteMetadataRequest
{
    public string? Model { get; set; }
    public List<string?>? Keys { get; set; }
}

public sealed class UpdateTagsRequest
{
    public List<string?>? Ids { get; set; }
    public List<string?>? AddTags { get; set; }
    public List<string?>? RemoveTags { get; set; }
}

public sealed class GetFrameworksRequest
{
    public List<string?>? Projects { get; set; }
}

public sealed class UpdateForTaskRequest
{
    public string? Task { get; set; }
    public string? Uri { get; set; }
    public string? OverrideModelId { get; set; }
    public string? Name { get; set; }
    public string? Comment { get; set; }
    public List<string?>? Tags { get; set; }
    public List<string?>? SystemTags { get; set; }
    public long? Iteration { get; set; }
}
