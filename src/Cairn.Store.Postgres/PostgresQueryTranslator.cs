using Cairn.Core.Querying;
using Cairn.Store.Sql;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>How one queryable field is stored: its kind and the SQL that reads it (a <c>text[]</c> for list fields).</summary>
/// <param name="Kind">What the field holds.</param>
/// <param name="Sql">The expression that reads the value.</param>
/// <param name="NeverEmpty">The column is never null or "" (so "empties last" needs no extra sort term).</param>
/// <param name="Collation">The collation to order by, when not the column's own (binary).</param>
/// <param name="Containment">
/// A GIN-indexed <c>jsonb</c> document that holds the value, for exact matches: the field equals a
/// value when the document contains <see cref="Containment.Json"/> of it (<c>@&gt;</c>).
/// </param>
internal sealed record Column(FieldKind Kind, string Sql, bool NeverEmpty = false, string? Collation = null, Containment? Containment = null) : ISqlColumn;

/// <summary>An exact match as <c>jsonb</c> containment: <paramref name="Document"/> <c>@&gt;</c> the JSON <paramref name="Json"/> builds for a value.</summary>
internal sealed record Containment(string Document, Func<string, string> Json);

/// <summary>
/// Translates an <see cref="EntityQuery"/> to a WHERE and an ORDER BY clause with the SQLite
/// store's semantics (the walk of the conditions is <see cref="SqlConditionTranslator{TColumn}"/>'s),
/// adding its values as parameters of <paramref name="command"/>. List fields
/// are <c>text[]</c> columns: <c>&amp;&amp;</c> (any), <c>@&gt;</c> (all) and their negations,
/// which a GIN index answers.
/// </summary>
internal sealed class PostgresQueryTranslator(Func<string, Column?> columns, string naturalOrder, NpgsqlCommand command)
    : SqlConditionTranslator<Column>(columns, naturalOrder)
{
    private int _parameterCount;

    protected override string True => "TRUE";

    protected override string OrderTerm(Column column, bool descending)
    {
        // SQLite sorts NULL first ascending and last descending; PostgreSQL the other way round.
        // A column that is never empty is never NULL either: the plain term, which a btree index
        // on (column DESC, id) or (column, id) reads in order.
        var collate = column.Collation is null ? "" : $" COLLATE {column.Collation}";
        var nulls = column.NeverEmpty ? "" : descending ? " NULLS LAST" : " NULLS FIRST";
        return $"{column.Sql}{collate} {(descending ? "DESC" : "ASC")}{nulls}";
    }

    protected override string Not(string condition) => $"NOT COALESCE({condition}, FALSE)";

    // null stands for "the field is an empty array" (Mongo's $size 0: a missing field or a scalar is not one).
    protected override string EmptyArray(Column column) =>
        column.Kind == FieldKind.TextList ? $"cardinality({column.Sql}) = 0" : "FALSE";

    protected override string NonEmptyArray(Column column) =>
        column.Kind == FieldKind.TextList ? $"({column.Sql} IS NULL OR cardinality({column.Sql}) <> 0)" : "TRUE";

    protected override string? TranslatePattern(PatternCondition condition)
    {
        var pattern = Parameter(PostgresRegex.Translate(condition.Pattern, condition.IgnoreCase));
        // The SDK's exact-name lookups (^my\ model$) and plain substrings need no regex on every
        // row: an equality the name index answers, or a substring test (as the SQLite store does).
        var literal = condition.IgnoreCase ? null : RegexLiteral.Analyze(condition.Pattern);
        var parts = new List<string>();
        foreach (var field in condition.Fields)
        {
            if (Columns(field) is not { } column)
            {
                continue;
            }
            parts.Add(column.Kind switch
            {
                FieldKind.Text when literal is { EndsAtText: true } => $"COALESCE({column.Sql} = {Parameter(literal.Text)}, FALSE)",
                // "$" also matches before a final newline.
                FieldKind.Text when literal is { Exact: true } => $"COALESCE({column.Sql} IN ({Parameter(literal.Text)}, {Parameter(literal.Text + "\n")}), FALSE)",
                FieldKind.Text when literal is { WholePattern: true } => $"COALESCE(strpos({column.Sql}, {Parameter(literal.Text)}) > 0, FALSE)",
                FieldKind.Text => $"COALESCE({column.Sql} ~ {pattern}, FALSE)",
                FieldKind.TextList => $"EXISTS (SELECT 1 FROM unnest({column.Sql}) AS v(value) WHERE v.value ~ {pattern})",
                _ => "FALSE",
            });
        }
        return parts.Count == 0 ? null : "(" + string.Join(condition.MatchAll ? " AND " : " OR ", parts) + ")";
    }

    // NULL and FALSE filter alike under AND and OR (conditions reach a NOT only through Not, which
    // coalesces): the bare comparison, which a btree index answers.
    protected override string Comparison(Column column, string op, object value) => Compare(column, op, value);

    /// <summary>
    /// A comparison of the column with a value of the column's type: SQLite compares across types
    /// (a number is never equal to a text), PostgreSQL refuses to, so a value that cannot take the
    /// column's type compares as SQLite's would for the cases ClearML's queries reach: not equal.
    /// </summary>
    protected override string Compare(Column column, string op, object value)
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
    protected override string HasAny(Column column, IReadOnlyList<string> values) => column switch
    {
        // One containment per value, OR'ed: each is a GIN index scan (the index takes no = ANY).
        { Containment: { } containment } =>
            "(" + string.Join(" OR ", values.Distinct(StringComparer.Ordinal).Select(v => $"{containment.Document} @> {Jsonb(containment.Json(v))}")) + ")",
        // List columns are never NULL (text[] NOT NULL, or ARRAY(…)): the bare operator, which GIN answers.
        { Kind: FieldKind.TextList } => $"{column.Sql} && {Array(values)}",
        _ => $"{AsText(column)} = ANY({Array(values)})",
    };

    // The field holds none of the values; true for a missing or empty field.
    protected override string HasNone(Column column, IReadOnlyList<string> values) => column switch
    {
        { Containment: not null } => $"NOT {HasAny(column, values)}",
        { Kind: FieldKind.TextList } => $"NOT ({column.Sql} && {Array(values)})",
        _ => $"({column.Sql} IS NULL OR NOT ({AsText(column)} = ANY({Array(values)})))",
    };

    private string Jsonb(string json)
    {
        var name = "q" + _parameterCount++;
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Jsonb) { Value = json });
        return "@" + name;
    }

    // Values of a list condition are text; a number column compares in its text form.
    private static string AsText(Column column) => column.Kind == FieldKind.Text ? column.Sql : $"({column.Sql})::text";

    protected override string HasAll(Column column, IReadOnlyList<string> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 1)
        {
            return HasAny(column, distinct);
        }
        // A scalar equals all of its values only when there is one value.
        return column.Kind == FieldKind.TextList ? $"{column.Sql} @> {Array(distinct)}" : "FALSE";
    }

    protected override string Missing(Column column) => column.Kind == FieldKind.TextList
        ? $"{column.Sql} IS NULL OR cardinality({column.Sql}) = 0"
        : $"{column.Sql} IS NULL";

    protected override string Empty(Column column) => column.Kind switch
    {
        FieldKind.TextList => $"{column.Sql} IS NULL OR cardinality({column.Sql}) = 0",
        FieldKind.Text => $"{column.Sql} IS NULL OR {column.Sql} = ''",
        _ => $"{column.Sql} IS NULL",
    };

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
