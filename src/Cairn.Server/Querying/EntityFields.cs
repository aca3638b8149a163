namespace Cairn.Server.Querying;

/// <summary>
/// Which request fields of an entity's <c>get_all</c> are filters, and of which kind (api.md §4.1).
/// Fields not listed are ignored, as ClearML ignores unknown keys.
/// </summary>
public sealed record EntityFields
{
    /// <summary>Regex fields (case-sensitive, unanchored).</summary>
    public IReadOnlySet<string> Pattern { get; init; } = new HashSet<string>();

    /// <summary>Exact-match list fields with the tag operators.</summary>
    public IReadOnlySet<string> List { get; init; } = new HashSet<string>();

    /// <summary>Fields filtered with a <c>[min, max]</c> range.</summary>
    public IReadOnlySet<string> Range { get; init; } = new HashSet<string>();

    /// <summary>Datetime fields filtered with <c>"&gt;=2025-01-01"</c>-style conditions.</summary>
    public IReadOnlySet<string> DateTime { get; init; } = new HashSet<string>();

    /// <summary>Which of the range fields hold times (their bounds are parsed as dates).</summary>
    public IReadOnlySet<string> Dates { get; init; } = new HashSet<string>();

    /// <summary>Fields <c>search_text</c> looks in.</summary>
    public IReadOnlyList<string> Text { get; init; } = [];

    /// <summary>Fields left out of returned documents unless <c>only_fields</c> names them.</summary>
    public IReadOnlySet<string> HiddenByDefault { get; init; } = new HashSet<string>();

    public static readonly EntityFields Projects = new()
    {
        Pattern = new HashSet<string> { "name", "basename", "description" },
        List = new HashSet<string> { "tags", "system_tags", "id", "parent", "path" },
        Range = new HashSet<string> { "last_update" },
        Dates = new HashSet<string> { "last_update", "created" },
        Text = ["name", "id", "description"],
        HiddenByDefault = new HashSet<string> { "path" },
    };
}
