using Cairn.Core.Querying;

namespace Cairn.Store.Sql;

/// <summary>How one queryable field is stored, as far as the shared walk needs to know.</summary>
internal interface ISqlColumn
{
    /// <summary>What the field holds.</summary>
    FieldKind Kind { get; }

    /// <summary>The expression that reads the value.</summary>
    string Sql { get; }

    /// <summary>The column is never null or "" (so "empties last" needs no extra sort term).</summary>
    bool NeverEmpty { get; }
}

/// <summary>
/// The SQL stores' translation of an <see cref="EntityQuery"/> to a WHERE and an ORDER BY clause:
/// the walk of the condition tree (any/all, list and array filters, ranges, comparisons) and
/// ClearML's ordering rules are shared; each dialect writes the leaves (how a list field holds a
/// value, how a value compares, what "empty" is, how a pattern matches, how a term sorts).
/// </summary>
/// <param name="columns">Resolves a field name to its column; null for fields the entity does not have.</param>
/// <param name="naturalOrder">The SQL that orders rows by insertion, used when a query names no order.</param>
internal abstract class SqlConditionTranslator<TColumn>(Func<string, TColumn?> columns, string naturalOrder)
    where TColumn : class, ISqlColumn
{
    /// <summary>The dialect's always-true condition.</summary>
    protected abstract string True { get; }

    protected Func<string, TColumn?> Columns => columns;

    public string Where(IEnumerable<QueryCondition> conditions)
    {
        var parts = conditions.Select(Translate).Where(sql => sql is not null).ToList();
        return parts.Count == 0 ? True : string.Join(" AND ", parts);
    }

    /// <summary>
    /// ORDER BY for the keys (unknown fields are skipped), with ClearML's rules: an ascending first
    /// key puts empty values last, and <c>id</c> breaks ties unless already a key.
    /// </summary>
    public string OrderBy(IReadOnlyList<SortKey> order)
    {
        if (order.Count == 0)
        {
            return naturalOrder;
        }
        var terms = new List<string>();
        var first = true;
        foreach (var key in order)
        {
            if (columns(key.Field) is not { } column)
            {
                continue;
            }
            if (first && !key.Descending && !column.NeverEmpty)
            {
                terms.Add($"({Empty(column)}) ASC");
            }
            first = false;
            terms.Add(OrderTerm(column, key.Descending));
        }
        if (!order.Any(k => k.Field == "id"))
        {
            terms.Add($"{columns("id")!.Sql} ASC");
        }
        return string.Join(", ", terms);
    }

    private string? Translate(QueryCondition condition) => condition switch
    {
        ListCondition list => TranslateList(list),
        ArrayFilterCondition filter => TranslateArrayFilter(filter),
        PatternCondition pattern => TranslatePattern(pattern),
        RangeCondition range => TranslateRange(range),
        ComparisonCondition comparison => TranslateComparison(comparison),
        AnyCondition any => any.Conditions.Count == 0
            ? null
            : "(" + string.Join(" OR ", any.Conditions.Select(c => Translate(c) ?? True)) + ")",
        AllCondition all => all.Conditions.Count == 0
            ? null
            : "(" + string.Join(" AND ", all.Conditions.Select(c => Translate(c) ?? True)) + ")",
        _ => throw new NotSupportedException($"Unsupported condition {condition.GetType().Name}"),
    };

    private string? TranslateList(ListCondition condition)
    {
        var column = ColumnOf(condition.Field);
        var filter = condition.Filter;
        var parts = new List<string>();
        if (filter.AnyOf.Count > 0)
        {
            parts.Add(HasAny(column, filter.AnyOf));
        }
        if (filter.AllOf.Count > 0)
        {
            parts.Add(HasAll(column, filter.AllOf));
        }
        if (filter.NoneOf.Count > 0)
        {
            parts.Add(HasNone(column, filter.NoneOf));
        }

        var joined = parts.Count == 0
            ? null
            : "(" + string.Join(filter.Operator == LogicalOperator.And ? " AND " : " OR ", parts) + ")";
        if (!filter.AllowEmpty)
        {
            return joined;
        }
        return joined is null ? $"({Missing(column)})" : $"({joined} OR {Missing(column)})";
    }

    private string? TranslateArrayFilter(ArrayFilterCondition condition)
    {
        var column = ColumnOf(condition.Field);
        var filter = condition.Filter;
        // null stands for "the field is an empty array" (Mongo's $size 0: a missing field or a
        // scalar is not one); each part's values fold into one condition, however many there are.
        static List<string> Values(IReadOnlyList<string?> values) => values.OfType<string>().Distinct(StringComparer.Ordinal).ToList();

        // "any": has at least one of include, or lacks at least one of exclude (parts OR'ed).
        var anyParts = new List<string>();
        if (Values(filter.AnyInclude) is { Count: > 0 } anyInclude)
        {
            anyParts.Add(HasAny(column, anyInclude));
        }
        if (filter.AnyInclude.Contains(null))
        {
            anyParts.Add(EmptyArray(column));
        }
        if (Values(filter.AnyExclude) is { Count: > 0 } anyExclude)
        {
            anyParts.Add(Not(Negated(() => HasAll(column, anyExclude))));
        }
        if (filter.AnyExclude.Contains(null))
        {
            anyParts.Add(NonEmptyArray(column));
        }
        // "all": has every one of include and none of exclude (parts AND'ed).
        var allParts = new List<string>();
        if (Values(filter.AllInclude) is { Count: > 0 } allInclude)
        {
            allParts.Add(HasAll(column, allInclude));
        }
        if (filter.AllInclude.Contains(null))
        {
            allParts.Add(EmptyArray(column));
        }
        if (Values(filter.AllExclude) is { Count: > 0 } allExclude)
        {
            allParts.Add(HasNone(column, allExclude));
        }
        if (filter.AllExclude.Contains(null))
        {
            allParts.Add(NonEmptyArray(column));
        }
        var groups = new List<string>();
        if (anyParts.Count > 0)
        {
            groups.Add("(" + string.Join(" OR ", anyParts) + ")");
        }
        if (allParts.Count > 0)
        {
            groups.Add("(" + string.Join(" AND ", allParts) + ")");
        }
        return groups.Count == 0
            ? null
            : "(" + string.Join(filter.Operator == LogicalOperator.And ? " AND " : " OR ", groups) + ")";
    }

    private string? TranslateRange(RangeCondition condition)
    {
        var column = ColumnOf(condition.Field);
        if (condition.Min is null && condition.Max is null)
        {
            return null; // Open at both ends: no condition.
        }
        var parts = new List<string>();
        if (condition.Min is not null)
        {
            parts.Add(Compare(column, ">=", condition.Min));
        }
        if (condition.Max is not null)
        {
            parts.Add(Compare(column, "<=", condition.Max));
        }
        var range = "(" + string.Join(" AND ", parts) + ")";
        // An open minimum also matches rows without a value, as ClearML's $lte query does not.
        return condition.Min is null ? $"({column.Sql} IS NULL OR {range})" : range;
    }

    private string TranslateComparison(ComparisonCondition condition)
    {
        var column = ColumnOf(condition.Field);
        var op = condition.Operator switch
        {
            ComparisonOperator.Equal => "=",
            ComparisonOperator.Greater => ">",
            ComparisonOperator.GreaterOrEqual => ">=",
            ComparisonOperator.Less => "<",
            ComparisonOperator.LessOrEqual => "<=",
            _ => throw new NotSupportedException(condition.Operator.ToString()),
        };
        return Comparison(column, op, condition.Value);
    }

    protected TColumn ColumnOf(string field) =>
        columns(field) ?? throw new InvalidOperationException($"Field '{field}' is not queryable on this entity.");

    /// <summary>One ORDER BY term of the column (after the empties-last term, when there is one).</summary>
    protected abstract string OrderTerm(TColumn column, bool descending);

    /// <summary>The field holds at least one of the values.</summary>
    protected abstract string HasAny(TColumn column, IReadOnlyList<string> values);

    /// <summary>The field holds every one of the values (a scalar only when there is one value).</summary>
    protected abstract string HasAll(TColumn column, IReadOnlyList<string> values);

    /// <summary>The field holds none of the values; true for a missing or empty field.</summary>
    protected abstract string HasNone(TColumn column, IReadOnlyList<string> values);

    /// <summary>The negation of a condition the dialect may leave NULL.</summary>
    protected abstract string Not(string condition);

    /// <summary>Writes a condition that ends up under a NOT (a dialect may treat it differently).</summary>
    protected virtual string Negated(Func<string> write) => write();

    /// <summary>The field is an empty array (false for a scalar).</summary>
    protected abstract string EmptyArray(TColumn column);

    /// <summary>The field is not an empty array (true for a missing field or a scalar).</summary>
    protected abstract string NonEmptyArray(TColumn column);

    /// <summary>"No value" for the tag operators' <c>null</c> (api.md §4.2): missing, null or <c>[]</c>.</summary>
    protected abstract string Missing(TColumn column);

    /// <summary>"Empty" for ordering empties last: also "" for text (ClearML's declared string fields).</summary>
    protected abstract string Empty(TColumn column);

    /// <summary>A range bound: the column compared with a value.</summary>
    protected abstract string Compare(TColumn column, string op, object value);

    /// <summary>A comparison condition of the column with a value.</summary>
    protected abstract string Comparison(TColumn column, string op, object value);

    protected abstract string? TranslatePattern(PatternCondition condition);
}
