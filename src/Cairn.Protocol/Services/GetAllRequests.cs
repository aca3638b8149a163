using System.Text.Json;
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

    /// <summary>A regular expression the name matches (ClearML's SDK anchors and escapes an exact name).</summary>
    public string? Name { get; set; }

    public List<string>? Project { get; set; }

    /// <summary><c>get_all_ex</c>: also the models of the projects' sub-projects.</summary>
    public bool? IncludeSubprojects { get; set; }

    /// <summary>Models created by one of these tasks.</summary>
    public List<string>? Task { get; set; }

    public List<string>? Uri { get; set; }

    /// <summary>ClearML's tag filter: any-of, <c>-tag</c> excludes, <c>__$all</c>/<c>__$not</c> operators.</summary>
    public List<string>? Tags { get; set; }

    public List<string>? SystemTags { get; set; }

    /// <summary>Published (true) or draft (false) models only.</summary>
    public bool? Ready { get; set; }

    /// <summary>Frameworks; an empty string matches models without one.</summary>
    public List<string>? Framework { get; set; }

    /// <summary>Models of one of these users.</summary>
    public List<string>? User { get; set; }

    /// <summary>Date bounds such as <c>&gt;=2026-01-01T00:00:00</c>, combined with AND.</summary>
    public List<string>? LastUpdate { get; set; }

    /// <summary><c>get_all_ex</c>: per-field include/exclude filters keyed by field path (<c>tags</c>, <c>metadata.&lt;key&gt;.value</c>).</summary>
    public Dictionary<string, FieldFilterDto>? Filters { get; set; }

    /// <summary><c>_any_</c>: a pattern any of several fields matches (the web UI's search box).</summary>
    [JsonPropertyName("_any_")]
    public MultiFieldPatternDto? Any { get; set; }

    public int? Page { get; set; }

    public int? PageSize { get; set; }

    /// <summary>
    /// Present (any value, even empty) to scroll: the first call starts a scroll, later calls send
    /// the answer's <c>scroll_id</c> back to go on.
    /// </summary>
    public string? ScrollId { get; set; }

    /// <summary>
    /// Equality filters on field paths no property names, such as <c>metadata.&lt;escaped key&gt;.value</c>
    /// (<see cref="MetadataKeys.ValuePath"/>), written beside the other fields. Open-ended: ClearML
    /// takes any field path as a filter. (A <c>JsonObject</c> here is written as a nested object by
    /// the generated serializer, so the values are elements.)
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? FieldFilters { get; set; }
}

/// <summary>One field's filter in <c>filters</c>: <c>any</c> and/or <c>all</c> of the terms.</summary>
public sealed class FieldFilterDto
{
    public FilterTermsDto? Any { get; set; }

    public FilterTermsDto? All { get; set; }
}

/// <summary>Values a field must include (a null value: the field is empty) and values it must not.</summary>
public sealed class FilterTermsDto
{
    public List<string?>? Include { get; set; }

    public List<string>? Exclude { get; set; }
}

/// <summary><c>_any_</c> / <c>_all_</c>: a regular expression matched against several fields.</summary>
public sealed class MultiFieldPatternDto
{
    public string? Pattern { get; set; }

    public List<string>? Fields { get; set; }
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

    /// <summary>A regular expression the name matches (ClearML's SDK anchors and escapes an exact name).</summary>
    public string? Name { get; set; }

    /// <summary>Also hidden tasks (false: ClearML's default).</summary>
    public bool? SearchHidden { get; set; }
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

    /// <summary>A regular expression the full name matches.</summary>
    public string? Name { get; set; }

    /// <summary>Also hidden projects (false: ClearML's default).</summary>
    public bool? SearchHidden { get; set; }
}
