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

    /// <summary>Fields compared for equality with a scalar (<c>ready</c>).</summary>
    public IReadOnlySet<string> Equality { get; init; } = new HashSet<string>();

    /// <summary>Prefixes of dynamic list fields (<c>metadata.</c>).</summary>
    public IReadOnlyList<string> ListPrefixes { get; init; } = [];

    /// <summary>Prefixes of dynamic range fields whose bounds are numbers (<c>last_metrics.</c>).</summary>
    public IReadOnlyList<string> RangePrefixes { get; init; } = [];

    /// <summary>Maps the parts of an <c>only_fields</c> path to document keys (metadata keys are stored escaped).</summary>
    public Func<string[], string[]>? ProjectionPath { get; init; }

    /// <summary>Fields <c>search_text</c> looks in.</summary>
    public IReadOnlyList<string> Text { get; init; } = [];

    /// <summary>Fields left out of returned documents unless <c>only_fields</c> names them.</summary>
    public IReadOnlySet<string> HiddenByDefault { get; init; } = new HashSet<string>();

    public bool IsList(string field) => List.Contains(field) || ListPrefixes.Any(p => field.StartsWith(p, StringComparison.Ordinal));

    public bool IsPrefixedRange(string field) => RangePrefixes.Any(p => field.StartsWith(p, StringComparison.Ordinal));

    public static readonly EntityFields Models = new()
    {
        Pattern = new HashSet<string> { "name", "comment" },
        List = new HashSet<string> { "tags", "system_tags", "framework", "uri", "id", "user", "project", "task", "parent" },
        ListPrefixes = ["metadata."],
        Range = new HashSet<string> { "created", "last_iteration" },
        RangePrefixes = ["last_metrics."],
        DateTime = new HashSet<string> { "last_update", "last_change" },
        Dates = new HashSet<string> { "created", "last_update", "last_change" },
        Equality = new HashSet<string> { "ready" },
        Text = ["name", "id", "comment", "parent", "task", "project"],
        HiddenByDefault = new HashSet<string> { "ui_cache", "company_origin", "unique_metrics" },
        // Returned documents carry metadata keys unescaped; a path may name them escaped ("a%2Eb").
        ProjectionPath = parts => parts.Length > 1 && parts[0] == "metadata"
            ? [parts[0], .. parts.Skip(1).Select((p, i) => i == 0 ? Core.Models.MetadataKey.Unescape(p) : p)]
            : parts,
    };

    public static readonly EntityFields Tasks = new()
    {
        // "report" is a pattern field in ClearML; Cairn tasks have no report, so it matches nothing.
        Pattern = new HashSet<string> { "name", "comment", "report" },
        List = new HashSet<string>
        {
            "id", "user", "tags", "system_tags", "type", "status", "project", "parent", "execution.queue", "models.input.model", "models.output.model",
        },
        ListPrefixes = ["hyperparams."],
        Range = new HashSet<string> { "created", "started", "active_duration", "last_iteration" },
        RangePrefixes = ["last_metrics."],
        DateTime = new HashSet<string> { "status_changed", "last_update", "last_change" },
        Dates = new HashSet<string> { "created", "started", "status_changed", "last_update", "last_change" },
        Text = ["name", "id", "comment", "project", "parent"],
        HiddenByDefault = new HashSet<string> { "enqueue_status", "company_origin", "unique_metrics" },
        // Returned documents carry parameter names unescaped; a path may name them escaped ("a%2Eb").
        ProjectionPath = parts => parts.Length > 1 && parts[0] is "hyperparams" or "configuration"
            ? [parts[0], .. parts.Skip(1).Select((p, i) => i < (parts[0] == "hyperparams" ? 2 : 1) ? Core.Models.MetadataKey.Unescape(p) : p)]
            : parts,
    };

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
