using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

/// <summary>
/// <c>models.get_all</c>, <c>models.get_all_ex</c> and <c>models.get_by_id_ex</c> with the filters the
/// web UI's model pages use. Field filters are lists of accepted values; absent fields do not filter.
/// </summary>
public sealed class GetAllModelsRequest
{
    public List<string>? Id { get; set; }

    /// <summary>Models whose <c>parent</c> is one of these ids.</summary>
    public List<string>? Parent { get; set; }

    public List<string>? OnlyFields { get; set; }

    /// <summary>Fields to order by, <c>-</c> before a field for descending.</summary>
    public List<string>? OrderBy { get; set; }

    public int? Size { get; set; }
}

/// <summary><c>tasks.get_all</c> and <c>tasks.get_all_ex</c> with the filters the web UI's task pages use.</summary>
public sealed class GetAllTasksRequest
{
    public List<string>? Id { get; set; }

    /// <summary>Tasks with one of these models among their input models.</summary>
    [JsonPropertyName("models.input.model")]
    public List<string>? InputModel { get; set; }

    public List<string>? Project { get; set; }

    public List<string>? Status { get; set; }

    public List<string>? Type { get; set; }

    public List<string>? Tags { get; set; }

    public List<string>? SystemTags { get; set; }

    /// <summary>Case-insensitive text matched against the task's name, id, comment and project.</summary>
    public string? SearchText { get; set; }

    public List<string>? OnlyFields { get; set; }

    /// <summary>Fields to sort by, a <c>-</c> prefix for descending.</summary>
    public List<string>? OrderBy { get; set; }

    public int? Size { get; set; }

    public int? Page { get; set; }

    public int? PageSize { get; set; }
}

/// <summary><c>projects.get_all</c> and <c>projects.get_all_ex</c>.</summary>
public sealed class GetAllProjectsRequest
{
    public List<string>? Id { get; set; }

    /// <summary>Projects under one of these (at any depth, unless <see cref="ShallowSearch"/>).</summary>
    public List<string>? Parent { get; set; }

    public bool? ShallowSearch { get; set; }

    /// <summary><c>get_all_ex</c>: count each project's own models and tasks (<c>own_models</c>, <c>own_tasks</c>).</summary>
    public bool? CheckOwnContents { get; set; }

    /// <summary><c>get_all_ex</c>: add each project's statistics and subprojects.</summary>
    public bool? IncludeStats { get; set; }

    public List<string>? OnlyFields { get; set; }

    public List<string>? OrderBy { get; set; }

    public int? Size { get; set; }

    public int? Page { get; set; }

    public int? PageSize { get; set; }
}
