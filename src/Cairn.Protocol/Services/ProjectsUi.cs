namespace Cairn.Protocol.Services;

// The projects.* calls ClearML's web UI makes to fill its filter menus and column choices.
// Defaults are the server's: a field left out reads as its default.

/// <summary><c>projects.get_model_metadata_keys</c> (and <c>projects.get_hyperparam_sections</c>'s paging).</summary>
public sealed class GetModelMetadataKeysRequest
{
    /// <summary>The project; null for every project.</summary>
    public string? Project { get; set; }

    public bool IncludeSubprojects { get; set; } = true;

    public int Page { get; set; }

    public int PageSize { get; set; } = 500;
}

/// <summary><c>projects.get_model_metadata_values</c>: the values one metadata key takes.</summary>
public sealed class GetModelMetadataValuesRequest
{
    /// <summary>The projects; null for every project.</summary>
    public List<string?>? Projects { get; set; }

    public string? Key { get; set; }

    public bool IncludeSubprojects { get; set; } = true;

    public int Page { get; set; }

    public int PageSize { get; set; } = 500;
}

/// <summary><c>projects.get_hyperparam_values</c>: the values one hyper-parameter takes.</summary>
public sealed class GetHyperparamValuesRequest
{
    public List<string?>? Projects { get; set; }

    public string? Section { get; set; }

    public string? Name { get; set; }

    public bool AllowPublic { get; set; } = true;

    public bool IncludeSubprojects { get; set; } = true;

    public string? Pattern { get; set; }

    public int Page { get; set; }

    public int PageSize { get; set; } = 500;
}

/// <summary><c>projects.get_unique_metric_variants</c>: the metrics and variants reported in projects.</summary>
public sealed class GetUniqueMetricVariantsRequest
{
    public string? Project { get; set; }

    public bool IncludeSubprojects { get; set; } = true;

    /// <summary>The models' metrics instead of the tasks'.</summary>
    public bool ModelMetrics { get; set; }

    public List<string?>? Ids { get; set; }
}

/// <summary><c>projects.get_model_tags</c> (and <c>get_task_tags</c>): the tags used in projects.</summary>
public sealed class GetModelTagsRequest
{
    public bool IncludeSystem { get; set; }

    public List<string?>? Projects { get; set; }
}

/// <summary><c>projects.get_model_tags</c> and <c>get_task_tags</c>: <c>system_tags</c> only when asked for.</summary>
public sealed record TagsResponse(IReadOnlyList<string> Tags, IReadOnlyList<string>? SystemTags = null);

/// <summary><c>projects.get_model_metadata_keys</c>: one page of keys, unescaped.</summary>
public sealed record MetadataKeysResponse(IReadOnlyList<string> Keys, int Remaining, int Total);

/// <summary><c>projects.get_model_metadata_values</c>: one page of a key's distinct values.</summary>
public sealed record MetadataValuesResponse(int Total, int Remaining, IReadOnlyList<string> Values);

/// <summary>One metric and variant with their <see cref="MetricKeys.Hash">keys</see> in <c>last_metrics</c>.</summary>
public sealed record MetricVariantDto(string Metric, string MetricHash, string Variant, string VariantHash);

/// <summary><c>projects.get_unique_metric_variants</c>.</summary>
public sealed record MetricVariantsResponse(IReadOnlyList<MetricVariantDto> Metrics);
