using System.Text;
using Cairn.Core.Querying;
using Cairn.Store.Sql;
using Microsoft.Data.Sqlite;

namespace Cairn.Store.Sqlite;

/// <summary>
/// How one queryable field of an entity is stored: its kind and the SQL expression that reads it.
/// </summary>
/// <param name="Kind">What the field holds.</param>
/// <param name="Sql">The expression that reads the value (a JSON array for list fields).</param>
/// <param name="Index">An index table that answers exact-match conditions faster than <paramref name="Sql"/>.</param>
/// <param name="NeverEmpty">The column is never null or "" (so "empties last" needs no extra sort term).</param>
/// <param name="Collation">The collation to order by, when not binary.</param>
/// <param name="Indexed">
/// <paramref name="Sql"/> is a column with a b-tree index of its own: rows can be read in its
/// order, and an <c>IN</c> list on it can be answered through the index.
/// </param>
internal sealed record Column(FieldKind Kind, string Sql, ValueIndex? Index = null, bool NeverEmpty = false, string? Collation = null, bool Indexed = false) : ISqlColumn;

/// <summary>
/// An index table of a field's values: <see cref="Select"/> is a query that, completed with
/// <c>IN (values)</c>, lists the keys (<see cref="Key"/>) of the rows holding any of the values.
/// For a list field each (row, value) pair appears once. <see cref="KeyColumn"/>, when set, is the
/// index table's column that holds the key, and has an index of its own: an exclusion is then a
/// correlated <c>NOT EXISTS</c>, one seek per row looked at, rather than a <c>NOT IN</c> list built
/// from every row that has the values (10,000 archived models for the model table's "-archived",
/// on every page: 2.0 against 0.4 ms for a page of 30).
/// </summary>
internal sealed record ValueIndex(string Key, string Select, string? KeyColumn = null);

/// <summary>
/// An inclusion condition that an index can answer: <paramref name="Column"/> holds one of
/// <paramref name="Values"/> (through its <see cref="Column.Index"/> table or its own index).
/// </summary>
internal sealed record IndexedTerm(Column Column, IReadOnlyList<string> Values);

/// <summary>
/// Translates an <see cref="EntityQuery"/> to a WHERE and an ORDER BY clause in SQLite's dialect
/// (the walk of the conditions is <see cref="SqlConditionTranslator{TColumn}"/>'s), adding its values
/// as parameters of <paramref name="command"/>. List fields are JSON arrays searched with json_each.
/// </summary>
/// <param name="columns">Resolves a field name to its column; null for fields the entity does not have.</param>
/// <param name="naturalOrder">The SQL that orders rows by insertion, used when a query names no order.</param>
/// <param name="command">The command that receives the parameters.</param>
/// <param name="walkOrder">
/// Write the inclusion conditions that an index could answer as <c>+column IN (…)</c>, which no
/// index answers, so that SQLite reads the rows in the order's index and stops at the page: right
/// when every such condition matches many rows (see <see cref="IndexedTerms"/>).
/// </param>
internal sealed class SqlQueryTranslator(Func<string, Column?> columns, string naturalOrder, SqliteCommand command, bool walkOrder = false)
    : SqlConditionTranslator<Column>(columns, naturalOrder)
{
    private int _parameterCount;
    private int _negated;

    /// <summary>
    /// The inclusion conditions <see cref="SqlConditionTranslator{TColumn}.Where"/> wrote that an index can answer (not those under a
    /// NOT). SQLite's planner drives such a query from one of them: it reads every match and sorts
    /// them all for a page, however many there are, since without per-value statistics it cannot
    /// tell a tag on 10 models from one on 10,000.
    /// </summary>
    public List<IndexedTerm> IndexedTerms { get; } = [];

    /// <summary>
    /// Whether rows can be read in the order of <paramref name="order"/>'s first key through its
    /// column's index: a plain indexed column, descending or never empty (an ascending key of a
    /// column that can be empty sorts by emptiness first, which no index has).
    /// </summary>
    public bool OrderHasIndex(IReadOnlyList<SortKey> order) =>
        order.Count > 0 && Columns(order[0].Field) is { Indexed: true, Collation: null } column && (order[0].Descending || column.NeverEmpty);

    protected override string True => "1 = 1";

    protected override string OrderTerm(Column column, bool descending)
    {
        var collate = column.Collation is null ? "" : $" COLLATE {column.Collation}";
        return $"{column.Sql}{collate} {(descending ? "DESC" : "ASC")}";
    }

    protected override string Not(string condition) => $"NOT {condition}";

    protected override string Negated(Func<string> write)
    {
        _negated++;
        try
        {
            return write();
        }
        finally
        {
            _negated--;
        }
    }

    protected override string EmptyArray(Column column) =>
        column.Kind == FieldKind.TextList ? $"json_array_length({column.Sql}) = 0" : "0";

    protected override string NonEmptyArray(Column column) =>
        column.Kind == FieldKind.TextList ? $"({column.Sql} IS NULL OR json_array_length({column.Sql}) <> 0)" : "1";

    protected override string? TranslatePattern(PatternCondition condition)
    {
        var pattern = Parameter(condition.IgnoreCase ? "(?i)" + condition.Pattern : condition.Pattern);
        var literal = RegexLiteral.Analyze(condition.Pattern);
        if (condition.IgnoreCase && literal is not null && !(literal.WholePattern && Ascii.IsValid(literal.Text)))
        {
            literal = null; // Case-insensitive: only a plain ASCII substring has a fast form.
        }
        var parts = new List<string>();
        foreach (var field in condition.Fields)
        {
            if (Columns(field) is not { } column)
            {
                continue;
            }
            parts.Add(column.Kind switch
            {
                FieldKind.Text when literal is not null && condition.IgnoreCase => TextContainsIgnoreCase(column, pattern, literal),
                FieldKind.Text when literal is not null => TextPattern(column, pattern, literal),
                FieldKind.Text => $"cairn_regexp({pattern}, {column.Sql})",
                FieldKind.TextList => $"EXISTS (SELECT 1 FROM json_each({column.Sql}) WHERE cairn_regexp({pattern}, value))",
                _ => "0",
            });
        }
        return parts.Count == 0 ? null : "(" + string.Join(condition.MatchAll ? " AND " : " OR ", parts) + ")";
    }

    /// <summary>
    /// A regex on a text column, helped by its literal part: an exact-name regex (what the SDK
    /// sends) is an indexed equality, an anchored prefix an indexed range, and a plain substring
    /// needs no regex at all. The regex still decides whatever the literal part cannot.
    /// </summary>
    private string TextPattern(Column column, string pattern, RegexLiteral literal)
    {
        var text = Parameter(literal.Text);
        if (literal.EndsAtText)
        {
            return $"{column.Sql} = {text}";
        }
        if (literal.Exact)
        {
            // "$" also matches before a final newline.
            return $"{column.Sql} IN ({text}, {text} || char(10))";
        }
        if (literal.WholePattern)
        {
            return $"instr({column.Sql}, {text}) > 0";
        }
        if (literal.AnchoredStart)
        {
            // Text compares as UTF-8 bytes: every text starting with the prefix sorts between the
            // prefix and the prefix followed by the byte 0xF5, which never occurs in UTF-8.
            var bound = Parameter(Encoding.UTF8.GetBytes(literal.Text).Append((byte)0xF5).ToArray());
            return $"({column.Sql} >= {text} AND {column.Sql} < CAST({bound} AS TEXT) AND cairn_regexp({pattern}, {column.Sql}))";
        }
        return $"(instr({column.Sql}, {text}) > 0 AND cairn_regexp({pattern}, {column.Sql}))";
    }

    /// <summary>
    /// A case-insensitive search for plain ASCII text (the UI's search box): SQLite's lower() folds
    /// exactly the ASCII letters, which decides it for ASCII values; values with other characters
    /// (where .NET also folds e.g. the Kelvin sign) still go through the regex.
    /// </summary>
    private string TextContainsIgnoreCase(Column column, string pattern, RegexLiteral literal)
    {
        var text = Parameter(literal.Text.ToLowerInvariant());
        var nonAscii = Parameter("*[^\u0001-~]*");
        return $"(instr(lower({column.Sql}), {text}) > 0 OR ({column.Sql} GLOB {nonAscii} AND cairn_regexp({pattern}, {column.Sql})))";
    }

    protected override string Compare(Column column, string op, object value) => $"{column.Sql} {op} {Parameter(ToDb(value))}";

    protected override string Comparison(Column column, string op, object value) => Compare(column, op, value);

    // The field holds at least one of the values. Written so that an index on the column applies.
    protected override string HasAny(Column column, IReadOnlyList<string> values)
    {
        var list = ValueList(values);
        if (column.Index is { } index)
        {
            Record(column, values);
            return Includes(index, $"IN {list}");
        }
        if (column.Kind == FieldKind.TextList)
        {
            return $"EXISTS (SELECT 1 FROM json_each({column.Sql}) WHERE value IN {list})";
        }
        if (column.Indexed)
        {
            Record(column, values);
            return $"{Unindexed}{column.Sql} IN {list}";
        }
        return $"{column.Sql} IN {list}";
    }

    // The field holds none of the values; true for a missing or empty field.
    protected override string HasNone(Column column, IReadOnlyList<string> values)
    {
        var list = ValueList(values);
        if (column.Index is { KeyColumn: { } keyColumn } correlated)
        {
            return $"NOT EXISTS ({correlated.Select} IN {list} AND {keyColumn} = {correlated.Key})";
        }
        if (column.Index is { } index)
        {
            return $"{index.Key} NOT IN ({index.Select} IN {list})";
        }
        return column.Kind == FieldKind.TextList
            ? $"NOT EXISTS (SELECT 1 FROM json_each({column.Sql}) WHERE value IN {list})"
            : $"({column.Sql} IS NULL OR {column.Sql} NOT IN {list})";
    }

    protected override string HasAll(Column column, IReadOnlyList<string> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 1)
        {
            return HasAny(column, distinct);
        }
        if (column.Kind != FieldKind.TextList)
        {
            return "0"; // A scalar equals all of its values only when there is one value.
        }
        if (column.Index is { } index)
        {
            // A few values: one indexed IN each (short index ranges); many: one GROUP BY, which
            // sorts the matches but keeps the SQL expression small.
            return distinct.Count <= 8
                ? "(" + string.Join(" AND ", distinct.Select(value =>
                {
                    Record(column, [value]);
                    return Includes(index, $"= {Parameter(value)}");
                })) + ")"
                : $"{index.Key} IN ({index.Select} IN {ValueList(distinct)} GROUP BY 1 HAVING COUNT(*) = {distinct.Count})";
        }
        return $"((SELECT COUNT(DISTINCT value) FROM json_each({column.Sql}) WHERE value IN {ValueList(distinct)}) = {distinct.Count})";
    }

    // Unary + keeps SQLite from answering the term through an index (see walkOrder).
    private string Unindexed => walkOrder ? "+" : "";

    /// <summary>
    /// The row's key is in the index table's rows that satisfy <paramref name="match"/>. Walking the
    /// order, a correlated EXISTS (one seek per row looked at) where the index table allows it: an
    /// <c>IN</c> list would first collect and sort every match of the values (two tags on 16,000
    /// models: 20–40 ms, against under 1 ms for the seeks of a page of 30).
    /// </summary>
    private string Includes(ValueIndex index, string match) => walkOrder && index.KeyColumn is { } keyColumn
        ? $"EXISTS ({index.Select} {match} AND {keyColumn} = {index.Key})"
        : $"{Unindexed}{index.Key} IN ({index.Select} {match})";

    private void Record(Column column, IReadOnlyList<string> values)
    {
        if (_negated == 0)
        {
            IndexedTerms.Add(new IndexedTerm(column, values));
        }
    }

    protected override string Missing(Column column) => column.Kind == FieldKind.TextList
        ? $"{column.Sql} IS NULL OR json_array_length({column.Sql}) = 0"
        : $"{column.Sql} IS NULL";

    protected override string Empty(Column column) => column.Kind switch
    {
        FieldKind.TextList => $"{column.Sql} IS NULL OR json_array_length({column.Sql}) = 0",
        FieldKind.Text => $"{column.Sql} IS NULL OR {column.Sql} = ''",
        _ => $"{column.Sql} IS NULL",
    };

    private string ValueList(IEnumerable<string> values) => command.AddList("$q" + _parameterCount++, values);

    private string Parameter(object? value)
    {
        var name = "$q" + _parameterCount++;
        command.Add(name, value);
        return name;
    }

    private static object ToDb(object value) => value switch
    {
        DateTimeOffset time => SqlValues.ToDb(time),
        bool flag => flag ? 1 : 0,
        _ => value,
    };
}
