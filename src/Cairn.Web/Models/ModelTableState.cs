using System.Globalization;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Microsoft.Extensions.Primitives;

namespace Cairn.Web.Models;

/// <summary>One sort term of the model table: a column id and its direction.</summary>
public sealed record SortTerm(string Column, bool Descending);

/// <summary>A column's filter: the chosen values (null stands for "empty", e.g. no tags) and, for tags, ALL instead of ANY.</summary>
public sealed record ColumnFilter(IReadOnlyList<string?> Values, bool All = false);

/// <summary>
/// Everything that decides what the model table shows, kept in the URL in ClearML's encoding
/// (<c>columns</c>, <c>order</c>, <c>filter</c>, <c>archive</c>, <c>deep</c>, <c>q</c>, <c>qreg</c>), so a
/// link reproduces the view; and its translation to a <c>models.get_all_ex</c> request.
/// </summary>
public sealed record ModelTableState
{
    public const string ExcludedTagPrefix = "__$not ";

    public const int MinSearchLength = 3;

    public static readonly IReadOnlyList<string> DefaultColumns =
        ["framework", "name", "tags", "ready", "project.name", "user.name", "task.name", "last_update"];

    /// <summary>Built-in columns in their default order; ID and DESCRIPTION start hidden.</summary>
    public static readonly IReadOnlyList<string> BuiltInColumns =
        ["id", "framework", "name", "tags", "ready", "project.name", "user.name", "task.name", "last_update", "comment"];

    private static readonly IReadOnlyList<SortTerm> DefaultOrder = [new("created", true)];

    public IReadOnlyList<string> Columns { get; init; } = DefaultColumns;

    public IReadOnlyList<SortTerm> Order { get; init; } = [];

    public IReadOnlyDictionary<string, ColumnFilter> Filters { get; init; } = new SortedDictionary<string, ColumnFilter>(StringComparer.Ordinal);

    public bool Archive { get; init; }

    /// <summary>Include the models of subprojects.</summary>
    public bool Deep { get; init; }

    public string? Search { get; init; }

    public bool SearchIsRegex { get; init; }

    public IReadOnlyList<SortTerm> EffectiveOrder => Order.Count > 0 ? Order : DefaultOrder;

    public static bool IsSortable(string column) => column is "framework" or "name" or "ready" or "last_update" or "comment" or "id"
        || column.StartsWith("meta.", StringComparison.Ordinal) || column.StartsWith("m.", StringComparison.Ordinal);

    public static bool IsFilterable(string column) =>
        column is "framework" or "tags" or "ready" or "user.name" or "project.name" or "last_update" || IsMetadataColumn(column);

    /// <summary>A user-added metadata column, <c>meta.&lt;key&gt;</c>.</summary>
    public static bool IsMetadataColumn(string column) => column.StartsWith("meta.", StringComparison.Ordinal) && column.Length > 5;

    // ---- URL ----

    public static ModelTableState FromQuery(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        var parameters = query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        StringValues Get(string key) => parameters.TryGetValue(key, out var v) ? v : StringValues.Empty;

        var columns = Get("columns").OfType<string>().Where(IsKnownColumn).Distinct(StringComparer.Ordinal).ToList();
        var order = Get("order").OfType<string>()
            .Where(o => o.Length > 1 || (o.Length == 1 && o != "-"))
            .Select(o => o.StartsWith('-') ? new SortTerm(o[1..], true) : new SortTerm(o, false))
            .Where(t => IsSortable(t.Column) || t.Column == "created")
            .DistinctBy(t => t.Column)
            .ToList();
        var filters = new SortedDictionary<string, ColumnFilter>(StringComparer.Ordinal);
        foreach (var text in Get("filter").OfType<string>())
        {
            foreach (var (column, filter) in ParseFilters(text))
            {
                filters[column] = filter;
            }
        }
        var search = Get("q").FirstOrDefault();
        return new ModelTableState
        {
            Columns = columns.Count > 0 ? columns : DefaultColumns,
            Order = order,
            Filters = filters,
            Archive = Get("archive").FirstOrDefault() == "true",
            Deep = Get("deep").FirstOrDefault() == "true",
            Search = search is { Length: >= MinSearchLength } ? search : null,
            SearchIsRegex = Get("qreg").FirstOrDefault() == "true",
        };
    }

    /// <summary>The query string (with its leading <c>?</c>, or empty for the default view).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        void Add(string key, string value) => parts.Add($"{key}={Uri.EscapeDataString(value)}");
        if (!Columns.SequenceEqual(DefaultColumns))
        {
            foreach (var column in Columns)
            {
                Add("columns", column);
            }
        }
        foreach (var term in Order)
        {
            Add("order", (term.Descending ? "-" : "") + term.Column);
        }
        if (Filters.Count > 0)
        {
            Add("filter", string.Join(",", Filters.Select(f => FormatFilter(f.Key, f.Value))));
        }
        if (Archive)
        {
            Add("archive", "true");
        }
        if (Deep)
        {
            Add("deep", "true");
        }
        if (Search is not null)
        {
            Add("q", Search);
            if (SearchIsRegex)
            {
                Add("qreg", "true");
            }
        }
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    // filter=col:[AND:]v1+$+v2,col2:v3 with each value URI-encoded; "" stands for null.
    private static string FormatFilter(string column, ColumnFilter filter) =>
        $"{column}:{(filter.All ? "AND:" : "")}{string.Join("+$+", filter.Values.Select(v => Uri.EscapeDataString(v ?? "")))}";

    private static IEnumerable<(string Column, ColumnFilter Filter)> ParseFilters(string text)
    {
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var column = part[..colon];
            var rest = part[(colon + 1)..];
            var all = rest.StartsWith("AND:", StringComparison.Ordinal);
            if (all)
            {
                rest = rest[4..];
            }
            if (!IsFilterable(column))
            {
                continue;
            }
            // A "+" in a hand-written or ClearML link arrives decoded as a space.
            var values = rest.Split(["+$+", " $ "], StringSplitOptions.None).Select(v => Uri.UnescapeDataString(v)).Select(v => v.Length == 0 ? null : v).ToList();
            if (values.Count > 0)
            {
                yield return (column, new ColumnFilter(values, all));
            }
        }
    }

    private static bool IsKnownColumn(string column) =>
        BuiltInColumns.Contains(column)
        || (column.StartsWith("meta.", StringComparison.Ordinal) && column.Length > 5)
        || MetricColumn.TryParse(column, out _);

    // ---- changes (each returns a new state) ----

    /// <summary>A plain click sorts by the column alone (descending first, then toggling); shift-click adds it or toggles it in a multi-sort.</summary>
    public ModelTableState SortBy(string column, bool add)
    {
        var existing = Order.FirstOrDefault(t => t.Column == column);
        if (!add)
        {
            var toggled = Order.Count == 1 && existing is not null ? existing with { Descending = !existing.Descending } : new SortTerm(column, true);
            return this with { Order = [toggled] };
        }
        return this with
        {
            Order = existing is null
                ? [.. Order, new SortTerm(column, true)]
                : [.. Order.Select(t => t.Column == column ? t with { Descending = !t.Descending } : t)],
        };
    }

    public ModelTableState WithFilter(string column, ColumnFilter? filter)
    {
        var filters = new SortedDictionary<string, ColumnFilter>(Filters.ToDictionary(), StringComparer.Ordinal);
        if (filter is null || filter.Values.Count == 0)
        {
            filters.Remove(column);
        }
        else
        {
            filters[column] = filter;
        }
        return this with { Filters = filters };
    }

    public ModelTableState WithoutFilters() => this with
    {
        Filters = new SortedDictionary<string, ColumnFilter>(StringComparer.Ordinal),
        Search = null,
    };

    public ModelTableState WithColumn(string column, bool shown)
    {
        if (shown)
        {
            return Columns.Contains(column) ? this : this with { Columns = [.. Columns, column] };
        }
        return this with
        {
            Columns = [.. Columns.Where(c => c != column)],
            Order = [.. Order.Where(t => t.Column != column)],
            Filters = new SortedDictionary<string, ColumnFilter>(Filters.Where(f => f.Key != column).ToDictionary(), StringComparer.Ordinal),
        };
    }

    public ModelTableState WithSearch(string? text, bool regex) =>
        this with { Search = text is { Length: >= MinSearchLength } ? text : null, SearchIsRegex = regex };

    // ---- API request ----

    /// <summary>
    /// The fields the shown columns need, and those the row menu and links always use: every row
    /// travels over the circuit, so a hidden column's data (a metadata map, the last metrics) is not asked for.
    /// </summary>
    public List<string> OnlyFields()
    {
        var fields = new List<string> { "id", "name", "tags", "system_tags", "ready", "project.name", "last_update" };
        foreach (var column in Columns)
        {
            var field = column switch
            {
                "framework" or "user.name" or "task.name" or "comment" or "created" => column,
                _ when column.StartsWith("meta.", StringComparison.Ordinal) => "metadata",
                _ when MetricColumn.TryParse(column, out _) => "last_metrics",
                _ => null,
            };
            if (field is not null && !fields.Contains(field))
            {
                fields.Add(field);
            }
        }
        return fields;
    }

    /// <summary>The <c>models.get_all_ex</c> body for this view of project <paramref name="projectId"/> (<c>*</c> for all), without paging.</summary>
    public GetAllModelsRequest ToRequest(string projectId)
    {
        var body = new GetAllModelsRequest
        {
            OnlyFields = OnlyFields(),
            OrderBy = [.. EffectiveOrder.Select(t => (t.Descending ? "-" : "") + SortField(t.Column))],
            SystemTags = [Archive ? "archived" : "-archived"],
        };
        var projects = Filters.TryGetValue("project.name", out var projectFilter) && projectFilter.Values.Count > 0
            ? projectFilter.Values.OfType<string>().ToList()
            : projectId == "*" ? [] : [projectId];
        if (projects.Count > 0)
        {
            body.Project = projects;
            if (Deep)
            {
                body.IncludeSubprojects = true;
            }
        }
        foreach (var (column, filter) in Filters)
        {
            switch (column)
            {
                case "framework":
                    body.Framework = [.. filter.Values.Select(v => v ?? "")];
                    break;
                case "user.name":
                    body.User = [.. filter.Values.OfType<string>()];
                    break;
                case "ready":
                    var states = filter.Values.OfType<string>().Distinct().ToList();
                    if (states.Count == 1)
                    {
                        body.Ready = states[0] == "true";
                    }
                    break;
                case "tags":
                    var include = filter.Values.Where(v => v is null || !v.StartsWith(ExcludedTagPrefix, StringComparison.Ordinal)).ToList();
                    var exclude = filter.Values.OfType<string>().Where(v => v.StartsWith(ExcludedTagPrefix, StringComparison.Ordinal)).Select(v => v[ExcludedTagPrefix.Length..]).ToList();
                    var terms = new FilterTermsDto
                    {
                        Include = include.Count > 0 ? include : null,
                        Exclude = exclude.Count > 0 ? exclude : null,
                    };
                    FiltersOf(body)["tags"] = filter.All ? new FieldFilterDto { All = terms } : new FieldFilterDto { Any = terms };
                    break;
                case var meta when IsMetadataColumn(meta):
                    // As ClearML's UI sends a metadata value filter: any of the chosen values.
                    FiltersOf(body)[MetadataValuePath(meta[5..])] = new FieldFilterDto
                    {
                        Any = new FilterTermsDto { Include = [.. filter.Values.OfType<string>()] },
                    };
                    break;
                case "last_update":
                    var bounds = new List<string>();
                    if (filter.Values.ElementAtOrDefault(0) is { } from && DateOnly.TryParse(from, CultureInfo.InvariantCulture, out var fromDate))
                    {
                        bounds.Add(">=" + fromDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00");
                    }
                    if (filter.Values.ElementAtOrDefault(1) is { } to && DateOnly.TryParse(to, CultureInfo.InvariantCulture, out var toDate))
                    {
                        bounds.Add("<" + toDate.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00");
                    }
                    if (bounds.Count > 0)
                    {
                        body.LastUpdate = bounds;
                    }
                    break;
            }
        }
        if (Search is not null)
        {
            body.Any = new MultiFieldPatternDto
            {
                Pattern = SearchIsRegex ? Search : System.Text.RegularExpressions.Regex.Escape(Search),
                Fields = ["id", "name", "comment", "system_tags"],
            };
        }
        return body;
    }

    private static Dictionary<string, FieldFilterDto> FiltersOf(GetAllModelsRequest body) => body.Filters ??= new(StringComparer.Ordinal);

    /// <summary>The API field a column sorts by.</summary>
    public static string SortField(string column) => column switch
    {
        _ when column.StartsWith("meta.", StringComparison.Ordinal) => MetadataValuePath(column[5..]),
        _ when MetricColumn.TryParse(column, out var metric) => metric.Field,
        _ => column,
    };

    /// <summary>
    /// The API path of a metadata key's value. A dot in the key would split the path, so the key
    /// goes as one segment escaped as ClearML stores it (<see cref="MetadataKeys"/>).
    /// </summary>
    public static string MetadataValuePath(string key) => MetadataKeys.ValuePath(key);
}

/// <summary>
/// A last-metric column, <c>m.&lt;metric md5&gt;.&lt;variant md5&gt;.&lt;value|min_value|max_value&gt;.&lt;metric&gt;.&lt;variant&gt;</c>
/// as ClearML encodes it (names URI-encoded with dots as %2e).
/// </summary>
public sealed record MetricColumn(string Metric, string Variant, string Value)
{
    public static readonly IReadOnlyList<string> Values = MetricKeys.Values;

    public string MetricHash => MetricKeys.Hash(Metric);

    public string VariantHash => MetricKeys.Hash(Variant);

    public string Field => MetricKeys.LastMetricPath(Metric, Variant, Value);

    public string Id => $"m.{MetricHash}.{VariantHash}.{Value}.{Encode(Metric)}.{Encode(Variant)}";

    public string Title => $"{Metric} › {Variant} ({Value switch { "min_value" => "Min", "max_value" => "Max", _ => "Last" }})";

    public static bool TryParse(string column, out MetricColumn metric)
    {
        metric = default!;
        var parts = column.Split('.');
        if (parts.Length != 6 || parts[0] != "m" || !Values.Contains(parts[3]))
        {
            return false;
        }
        metric = new MetricColumn(Uri.UnescapeDataString(parts[4]), Uri.UnescapeDataString(parts[5]), parts[3]);
        return true;
    }

    private static string Encode(string name) => Uri.EscapeDataString(name).Replace(".", "%2e", StringComparison.Ordinal);
}
