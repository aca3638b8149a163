using Cairn.Protocol.Services;
using Microsoft.Extensions.Primitives;

namespace Cairn.Web.Tasks;

/// <summary>
/// What a project's task table shows: search, sort, the status and type filters and the archive
/// view. It all lives in the URL (<c>q</c>, <c>order</c>, <c>status</c>, <c>type</c>, <c>archive</c>),
/// so a link or a reload shows the same view.
/// </summary>
public sealed record TaskTableState
{
    /// <summary>Shorter searches match nearly everything; the table waits for three characters, as the model table does.</summary>
    public const int MinSearchLength = 3;

    /// <summary>ClearML's task statuses, in the order its status filter lists them.</summary>
    public static readonly IReadOnlyList<string> KnownStatuses =
        ["created", "queued", "in_progress", "stopped", "completed", "published", "failed", "closed"];

    /// <summary>The columns, in order; every one but tags sorts (server-side, <c>order_by</c>).</summary>
    public static readonly IReadOnlyList<string> Columns = ["name", "type", "status", "user.name", "started", "last_update", "tags"];

    private static readonly HashSet<string> Sortable = new(StringComparer.Ordinal) { "name", "type", "status", "started", "last_update", "created" };

    public string? Search { get; init; }

    public string SortColumn { get; init; } = "last_update";

    public bool Descending { get; init; } = true;

    public IReadOnlyList<string> Statuses { get; init; } = [];

    public IReadOnlyList<string> Types { get; init; } = [];

    public bool Archive { get; init; }

    public bool HasFilters => Search is not null || Statuses.Count > 0 || Types.Count > 0;

    public static bool IsSortable(string column) => Sortable.Contains(column);

    public static string Title(string column) => column switch
    {
        "name" => "Name",
        "type" => "Type",
        "status" => "Status",
        "user.name" => "User",
        "started" => "Started",
        "last_update" => "Updated",
        "tags" => "Tags",
        _ => column,
    };

    /// <summary>Reads the view from a URL's query; unknown or malformed parts fall back to the defaults.</summary>
    public static TaskTableState FromQuery(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        var parameters = query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        string? First(string key) => parameters.TryGetValue(key, out var v) ? v.FirstOrDefault() : null;
        List<string> List(string key, Func<string, bool> valid) =>
            [.. (First(key) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(valid).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        var order = First("order");
        var descending = order?.StartsWith('-') == true;
        var column = descending ? order![1..] : order;
        var search = First("q");
        return new TaskTableState
        {
            Search = search is { Length: >= MinSearchLength } ? search : null,
            SortColumn = column is not null && IsSortable(column) ? column : "last_update",
            Descending = column is not null && IsSortable(column) ? descending : true,
            Statuses = List("status", KnownStatuses.Contains),
            // Types are open-ended (ClearML has a dozen, and custom ones); any name is kept.
            Types = List("type", t => t.Length <= 100),
            Archive = First("archive") == "true",
        };
    }

    /// <summary>The query string of this view, without the defaults; the inverse of <see cref="FromQuery"/>.</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        void Add(string key, string value) => parts.Add($"{key}={Uri.EscapeDataString(value)}");
        if (SortColumn != "last_update" || !Descending)
        {
            Add("order", (Descending ? "-" : "") + SortColumn);
        }
        if (Statuses.Count > 0)
        {
            Add("status", string.Join(",", Statuses));
        }
        if (Types.Count > 0)
        {
            Add("type", string.Join(",", Types));
        }
        if (Archive)
        {
            Add("archive", "true");
        }
        if (Search is not null)
        {
            Add("q", Search);
        }
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>A click on a column sorts by it; a second click on the same column reverses it.</summary>
    public TaskTableState SortBy(string column) =>
        !IsSortable(column) ? this
        : column == SortColumn ? this with { Descending = !Descending }
        // Dates read newest first; names and kinds from A.
        : this with { SortColumn = column, Descending = column is "started" or "last_update" or "created" };

    public TaskTableState WithSearch(string? text) => this with { Search = text is { Length: >= MinSearchLength } ? text : null };

    public TaskTableState WithStatuses(IEnumerable<string?> values) =>
        this with { Statuses = [.. values.OfType<string>().Where(KnownStatuses.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] };

    public TaskTableState WithTypes(IEnumerable<string?> values) =>
        this with { Types = [.. values.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] };

    public TaskTableState WithoutFilters() => this with { Search = null, Statuses = [], Types = [] };

    /// <summary>The fields a row shows and its links use; nothing else travels over the circuit.</summary>
    public static readonly IReadOnlyList<string> RowFields =
        ["id", "name", "type", "status", "project.name", "user.name", "started", "last_update", "tags", "system_tags"];

    /// <summary>The <c>tasks.get_all_ex</c> request for page <paramref name="page"/> of this view of project <paramref name="projectId"/> (<c>*</c> for all).</summary>
    public GetAllTasksRequest ToRequest(string projectId, int page, int pageSize) => new()
    {
        Project = projectId == "*" ? null : [projectId],
        Status = Statuses.Count > 0 ? [.. Statuses] : null,
        Type = Types.Count > 0 ? [.. Types] : null,
        SystemTags = [Archive ? "archived" : "-archived"],
        SearchText = Search,
        // The id breaks ties, so pages never repeat or skip rows that sort alike.
        OrderBy = [(Descending ? "-" : "") + SortColumn, "id"],
        OnlyFields = [.. RowFields],
        Page = page,
        PageSize = pageSize,
    };
}
