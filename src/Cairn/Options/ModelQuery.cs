namespace Cairn;

/// <summary>
/// What <see cref="Model.QueryModelsAsync(ModelQuery, Session.ClearMLSession?, CancellationToken)"/> and
/// <see cref="Model.GetModelsAsync"/> look for: every property left unset matches all models. Values
/// that cannot be sent (a negative <see cref="MaxResults"/>, a blank metadata key, a page size out
/// of range) are rejected when the query is built.
/// </summary>
public sealed record ModelQuery
{
    private readonly int? _maxResults;

    private readonly IReadOnlyDictionary<string, string>? _metadata;

    private readonly int _pageSize = Models.ModelWire.PageSize;

    /// <summary>Only models of this project (exact full name; sub-projects are not included).</summary>
    public string? ProjectName { get; init; }

    /// <summary>Only models with exactly this name.</summary>
    public string? ModelName { get; init; }

    /// <summary>
    /// ClearML's tag filter: plain tags match any-of, <c>"-tag"</c> excludes, <c>"__$all"</c> /
    /// <c>"__$and"</c> switch to all-of, <c>"__$or"</c> back to any-of, <c>"__$not"</c> negates the next tag.
    /// </summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Only published models (otherwise drafts and published).</summary>
    public bool OnlyPublished { get; init; }

    /// <summary>Also archived models.</summary>
    public bool IncludeArchived { get; init; }

    /// <summary>At most this many models; null for all.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public int? MaxResults
    {
        get => _maxResults;
        init => _maxResults = value is < 0 ? throw new ArgumentOutOfRangeException(nameof(MaxResults), value, "MaxResults must not be negative.") : value;
    }

    /// <summary>Only models whose metadata key has exactly this value (every pair must match).</summary>
    /// <exception cref="ArgumentException">A key is blank.</exception>
    public IReadOnlyDictionary<string, string>? Metadata
    {
        get => _metadata;
        init => _metadata = value?.Keys.Any(string.IsNullOrWhiteSpace) == true
            ? throw new ArgumentException("Metadata keys must not be blank.", nameof(Metadata))
            : value;
    }

    /// <summary>How many models one <c>models.get_all</c> call fetches (1 to 500, ClearML's SDK uses 500); pages are fetched as they are consumed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set outside 1–500.</exception>
    public int PageSize
    {
        get => _pageSize;
        init => _pageSize = value is < 1 or > Models.ModelWire.PageSize
            ? throw new ArgumentOutOfRangeException(nameof(PageSize), value, $"PageSize must be between 1 and {Models.ModelWire.PageSize}.")
            : value;
    }
}
