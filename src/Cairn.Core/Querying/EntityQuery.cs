namespace Cairn.Core.Querying;

/// <summary>The kinds of field a query can address; each store maps them to its own columns.</summary>
public enum FieldKind
{
    Text,
    TextList,
    DateTime,
    Number,
    Boolean,
}

/// <summary>A condition of a <c>get_all</c> query; all conditions of a query are AND'ed.</summary>
public abstract record QueryCondition;

/// <summary>An exact-match list condition in tag-operator form (api.md §4.2).</summary>
public sealed record ListCondition(string Field, TagFilter Filter) : QueryCondition;

/// <summary>The <c>filters</c> form of a list condition (api.md §4.3).</summary>
public sealed record ArrayFilterCondition(string Field, ArrayFilter Filter) : QueryCondition;

/// <summary>
/// A regular expression (.NET syntax, already translated from Python's) searched, unanchored, in
/// each of <see cref="Fields"/>; the fields' results are OR'ed, or AND'ed when <see cref="MatchAll"/>.
/// A list field matches when any of its elements does.
/// </summary>
public sealed record PatternCondition(IReadOnlyList<string> Fields, string Pattern, bool IgnoreCase, bool MatchAll) : QueryCondition;

/// <summary>An inclusive range; a null end is open, and a null minimum also matches a missing value.</summary>
public sealed record RangeCondition(string Field, object? Min, object? Max) : QueryCondition;

public enum ComparisonOperator
{
    Equal,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>A comparison of a scalar field with a value (a <see cref="DateTimeOffset"/>, number, bool or string).</summary>
public sealed record ComparisonCondition(string Field, ComparisonOperator Operator, object Value) : QueryCondition;

/// <summary>Any of the nested conditions holds (used for <c>_any_</c> with datetimes).</summary>
public sealed record AnyCondition(IReadOnlyList<QueryCondition> Conditions) : QueryCondition;

/// <summary>All of the nested conditions hold.</summary>
public sealed record AllCondition(IReadOnlyList<QueryCondition> Conditions) : QueryCondition;

/// <summary>A sort key; ascending keys put empty values last, as ClearML does for the first key.</summary>
public sealed record SortKey(string Field, bool Descending);

/// <summary>
/// A <c>get_all</c> query in domain form: conditions, ordering and a window of rows. <see cref="After"/>
/// is a store's cursor from a previous page in natural order: the window then starts after that
/// row (and <see cref="Skip"/> counts from there), so a long scroll never re-reads what it passed.
/// </summary>
public sealed record EntityQuery(
    IReadOnlyList<QueryCondition> Conditions,
    IReadOnlyList<SortKey> Order,
    int Skip,
    int Take,
    string? After = null)
{
    /// <summary>The most rows one <c>get_all</c> call returns (ClearML's <c>max_page_size</c>).</summary>
    public const int MaxPageSize = 500;
}

/// <summary>A page of query results, with the cursor that continues after it (null when the store has none for this order).</summary>
public sealed record QueryPage<T>(IReadOnlyList<T> Rows, string? Cursor);

/// <summary>Where a scroll stands: rows returned so far, and the store's cursor after the last one (if any).</summary>
public sealed record ScrollState(int Position, string? Cursor);
