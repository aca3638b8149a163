using Cairn.Core.Querying;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>How one queryable field is stored: its kind and the SQL that reads it (a <c>text[]</c> for list fields).</summary>
/// <param name="Kind">What the field holds.</param>
/// <param name="Sql">The expression that reads the value.</param>
/// <param name="NeverEmpty">The column is never null or "" (so "empties last" needs no extra sort term).</param>
/// <param name="Collation">The collation to order by, when not the column's own (binary).</param>
internal sealed record Column(FieldKind Kind, string Sql, bool NeverEmpty = false, string? Collation = null);

/// <summary>
/// Translates an <see cref="EntityQuery"/> to a WHERE and an ORDER BY clause with the SQLite
/// store's semantics, adding its values as parameters of <paramref name="command"/>. List fields
/// are <c>text[]</c> columns: <c>&amp;&amp;</c> (any), <c>@&gt;</c> (all) and their negations,
/// which a GIN index answers.
/// </summary>
internal sealed class PostgresQueryTranslator(Func<string, Column?> columns, string naturalOrder, NpgsqlCommand command)
{
    private int _parameterCount;

    public string Where(IEnumerable<QueryCondition> conditions)
    {
        var parts = conditions.Select(Translate).Where(sql => sql is not null).ToList();
        return parts.Count == 0 ? "TRUE" : string.Join(" AND ", parts);
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
            // SQLite sorts NULL first ascending and last descending; PostgreSQL the other way round.
            var collate = column.Collation is null ? "" : $" COLLATE {column.Collation}";
            terms.Add(key.Descending ? $"{column.Sql}{collate} DESC NULLS LAST" : $"{column.Sql}{collate} ASC NULLS FIRST");
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
            : "(" + string.Join(" OR ", any.Conditions.Select(c => Translate(c) ?? "TRUE")) + ")",
        AllCondition all => all.Conditions.Count == 0
            ? null
            : "(" + string.Join(" AND ", all.Conditions.Select(c => Translate(c) ?? "TRUE")) + ")",
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
        // null stands for "the field is an empty array" (Mongo's $size 0: a missing field or a scalar is not one).
        static List<string> Values(IReadOnlyList<string?> values) => values.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var isList = column.Kind == FieldKind.TextList;
        var emptyArray = isList ? $"cardinality({column.Sql}) = 0" : "FALSE";
        var nonEmptyArray = isList ? $"({column.Sql} IS NULL OR cardinality({column.Sql}) <> 0)" : "TRUE";

        var anyParts = new List<string>();
        if (Values(filter.AnyInclude) is { Count: > 0 } anyInclude)
        {
            anyParts.Add(HasAny(column, anyInclude));
        }
        if (filter.AnyInclude.Contains(null))
        {
            anyParts.Add(emptyArray);
        }
        if (Values(filter.AnyExclude) is { Count: > 0 } anyExclude)
        {
            anyParts.Add($"NOT COALESCE({HasAll(column, anyExclude)}, FALSE)");
        }
        if (filter.AnyExclude.Contains(null))
        {
            anyParts.Add(nonEmptyArray);
        }
        var allParts = new List<string>();
        if (Values(filter.AllInclude) is { Count: > 0 } allInclude)
        {
            allParts.Add(HasAll(column, allInclude));
        }
        if (filter.AllInclude.Contains(null))
        {
            allParts.Add(emptyArray);
        }
        if (Values(filter.AllExclude) is { Count: > 0 } allExclude)
        {
            allParts.Add(HasNone(column, allExclude));
        }
        if (filter.AllExclude.Contains(null))
        {
            allParts.Add(nonEmptyArray);
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

    private string? TranslatePattern(PatternCondition condition)
    {
        var pattern = Parameter(PostgresRegex.Translate(condition.Pattern, condition.IgnoreCase));
        var parts = new List<string>();
        foreach (var field in condition.Fields)
        {
            if (columns(field) is not { } column)
            {
                continue;
            }
            parts.Add(column.Kind switch
            {
                FieldKind.Text => $"COALESCE({column.Sql} ~ {pattern}, FALSE)",
                FieldKind.TextList => $"EXISTS (SELECT 1 FROM unnest({column.Sql}) AS v(value) WHERE v.value ~ {pattern})",
                _ => "FALSE",
            });
        }
        return parts.Count == 0 ? null : "(" + string.Join(condition.MatchAll ? " AND " : " OR ", parts) + ")";
    }

    private string? TranslateRange(RangeCondition condition)
    {
        var column = ColumnOf(condition.Field);
        if (condition.Min is null && condition.Max is null)
        {
            return null;
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
        return $"COALESCE({Compare(column, op, condition.Value)}, FALSE)";
    }

    /// <summary>
    /// A comparison of the column with a value of the column's type: SQLite compares across types
    /// (a number is never equal to a text), PostgreSQL refuses to, so a value that cannot take the
    /// column's type compares as SQLite's would for the cases ClearML's queries reach: not equal.
    /// </summary>
    private string Compare(Column column, string op, object value)
    {
        object? typed = (column.Kind, value) switch
        {
            (FieldKind.DateTime, DateTimeOffset time) => PostgresValues.ToDb(time),
            (FieldKind.DateTime or FieldKind.Number, double number) => number,
            (FieldKind.DateTime or FieldKind.Number, long number) => (double)number,
            (FieldKind.DateTime or FieldKind.Number, int number) => (double)number,
            (FieldKind.Number, string text) when double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            (FieldKind.Boolean, bool flag) => flag,
            (FieldKind.Text, string text) => text,
            (FieldKind.Text, double number) => number.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            (FieldKind.Text, bool flag) => flag ? "1" : "0",
            _ => null,
        };
        return typed is null ? "FALSE" : $"{column.Sql} {op} {Parameter(typed)}";
    }

    // The field holds at least one of the values.
    private string HasAny(Column column, IReadOnlyList<string> values) => column.Kind == FieldKind.TextList
        ? $"COALESCE({column.Sql} && {Array(values)}, FALSE)"
        : $"COALESCE({AsText(column)} = ANY({Array(values)}), FALSE)";

    // The field holds none of the values; true for a missing or empty field.
    private string HasNone(Column column, IReadOnlyList<string> values) => column.Kind == FieldKind.TextList
        ? $"NOT COALESCE({column.Sql} && {Array(values)}, FALSE)"
        : $"({column.Sql} IS NULL OR NOT ({AsText(column)} = ANY({Array(values)})))";

    // Values of a list condition are text; a number column compares in its text form.
    private static string AsText(Column column) => column.Kind == FieldKind.Text ? column.Sql : $"({column.Sql})::text";

    private string HasAll(Column column, IReadOnlyList<string> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 1)
        {
            return HasAny(column, distinct);
        }
        // A scalar equals all of its values only when there is one value.
        return column.Kind == FieldKind.TextList ? $"COALESCE({column.Sql} @> {Array(distinct)}, FALSE)" : "FALSE";
    }

    /// <summary>"No value" for the tag operators' <c>null</c> (api.md §4.2): missing, null or <c>[]</c>.</summary>
    private static string Missing(Column column) => column.Kind == FieldKind.TextList
        ? $"{column.Sql} IS NULL OR cardinality({column.Sql}) = 0"
        : $"{column.Sql} IS NULL";

    /// <summary>"Empty" for ordering empties last: also "" for text (ClearML's declared string fields).</summary>
    private static string Empty(Column column) => column.Kind switch
    {
        FieldKind.TextList => $"{column.Sql} IS NULL OR cardinality({column.Sql}) = 0",
        FieldKind.Text => $"{column.Sql} IS NULL OR {column.Sql} = ''",
        _ => $"{column.Sql} IS NULL",
    };

    private Column ColumnOf(string field) =>
        columns(field) ?? throw new InvalidOperationException($"Field '{field}' is not queryable on this entity.");

    private string Array(IEnumerable<string> values)
    {
        var name = "q" + _parameterCount++;
        command.AddTextArray(name, values);
        return "@" + name;
    }

    private string Parameter(object? value)
    {
        var name = "q" + _parameterCount++;
        command.Add(name, value);
        return "@" + name;
    }
}
