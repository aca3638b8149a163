using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Cairn.Protocol.Query;

/// <summary>
/// Compiles a model query (docs/query.md) into the filter fields of ClearML's <c>models.get_all</c>:
/// list fields in tag-operator form (<c>["__$and", "a", "__$not", "b", "__$or", "c", "d"]</c>),
/// <c>metadata.KEY.value</c>, a <c>name</c> regex, <c>ready</c>, <c>last_update</c> conditions and
/// <c>_all_</c> for <c>created</c>. ClearML ANDs the fields of a request, and each list field holds one
/// any-of, one all-of and one none-of group; a query outside that shape is a <see cref="QueryException"/>
/// naming the column and token, never a request that answers something else.
/// </summary>
public static class QueryCompiler
{
    /// <summary>Parses and compiles <paramref name="query"/>; the result is a fresh object the caller may add paging to.</summary>
    public static JsonObject Compile(string query) => Compile(QueryParser.Parse(query));

    public static JsonObject Compile(QueryNode query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var normal = Flatten(Normalize(query, negate: false));
        var conjuncts = normal is NAnd and ? and.Items.Select((item, i) => (item, Column: i == 0 ? item.Column : and.Columns[i - 1])).ToList() : [(normal, normal.Column)];

        var groups = new List<(string Key, List<N> Conjuncts)>();
        foreach (var (conjunct, _) in conjuncts)
        {
            var key = SingleKey(conjunct);
            var group = groups.FindIndex(g => g.Key == key);
            if (group < 0)
            {
                groups.Add((key, [conjunct]));
            }
            else
            {
                groups[group].Conjuncts.Add(conjunct);
            }
        }

        var fields = new JsonObject();
        foreach (var (key, items) in groups)
        {
            var kind = ((NLit)Literals(items[0]).First()).Atom;
            switch (kind)
            {
                case QueryValue:
                    fields[key] = CompileList(key, items);
                    break;
                case QueryPattern:
                    fields[key] = CompilePattern(key, items);
                    break;
                case QueryFlag:
                    fields[key] = CompileFlag(key, items);
                    break;
                case QueryDate date when date.Field == QueryField.Created:
                    fields["_all_"] = new JsonObject { ["fields"] = new JsonArray("created"), ["datetime"] = CompileDates(key, items) };
                    break;
                case QueryDate:
                    fields[key] = CompileDates(key, items);
                    break;
            }
        }
        return fields;
    }

    // Negation normal form: 'not' only on atoms, and/or of the same kind merged. Columns[i] is the
    // column of the operator before Items[i + 1], so an error can point at the 'or' it is about.
    private abstract record N(int Column);

    private sealed record NLit(QueryNode Atom, bool Negated) : N(Atom.Column);

    private sealed record NAnd(List<N> Items, List<int> Columns, int Column) : N(Column);

    private sealed record NOr(List<N> Items, List<int> Columns, int Column) : N(Column);

    private static N Normalize(QueryNode node, bool negate) => node switch
    {
        QueryNot not => Normalize(not.Operand, !negate),
        QueryAnd and => negate
            ? new NOr(and.Operands.Select(o => Normalize(o, true)).ToList(), [.. and.OperatorColumns], and.Column)
            : new NAnd(and.Operands.Select(o => Normalize(o, false)).ToList(), [.. and.OperatorColumns], and.Column),
        QueryOr or => negate
            ? new NAnd(or.Operands.Select(o => Normalize(o, true)).ToList(), [.. or.OperatorColumns], or.Column)
            : new NOr(or.Operands.Select(o => Normalize(o, false)).ToList(), [.. or.OperatorColumns], or.Column),
        _ => new NLit(node, negate),
    };

    private static N Flatten(N node)
    {
        switch (node)
        {
            case NAnd and:
                var (andItems, andColumns) = Merge(and.Items, and.Columns, n => n is NAnd inner ? (inner.Items, inner.Columns) : null);
                return new NAnd(andItems, andColumns, and.Column);
            case NOr or:
                var (orItems, orColumns) = Merge(or.Items, or.Columns, n => n is NOr inner ? (inner.Items, inner.Columns) : null);
                return new NOr(orItems, orColumns, or.Column);
            default:
                return node;
        }
    }

    private static (List<N>, List<int>) Merge(List<N> items, List<int> columns, Func<N, (List<N>, List<int>)?> same)
    {
        var outItems = new List<N>();
        var outColumns = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = Flatten(items[i]);
            if (i > 0)
            {
                outColumns.Add(columns[i - 1]);
            }
            if (same(item) is var (innerItems, innerColumns))
            {
                outItems.AddRange(innerItems);
                outColumns.AddRange(innerColumns);
            }
            else
            {
                outItems.Add(item);
            }
        }
        return (outItems, outColumns);
    }

    private static IEnumerable<N> Literals(N node) => node switch
    {
        NAnd and => and.Items.SelectMany(Literals),
        NOr or => or.Items.SelectMany(Literals),
        _ => [node],
    };

    private static string Key(QueryNode atom) => atom switch
    {
        // The key is escaped as ClearML stores it ('.' → %2E, '$' → %24, …): the path has exactly three parts.
        QueryValue { Field: QueryField.Metadata } value => MetadataKeys.ValuePath(value.Key!),
        QueryValue value => value.Field switch
        {
            QueryField.Tag => "tags",
            QueryField.SystemTag => "system_tags",
            _ => QueryFormatter.FieldName(value.Field),
        },
        QueryPattern pattern => QueryFormatter.FieldName(pattern.Field),
        QueryFlag => "ready",
        QueryDate { Field: QueryField.Created } => "created",
        QueryDate => "last_update",
        _ => throw new ArgumentException($"Unknown query atom {atom.GetType().Name}", nameof(atom)),
    };

    private static string Describe(string key) => key switch
    {
        "tags" => "tag",
        "system_tags" => "system_tag",
        "ready" => "published",
        "last_update" => "updated",
        _ when key.StartsWith("metadata.", StringComparison.Ordinal) => "meta." + MetadataKeys.Unescape(key["metadata.".Length..^".value".Length]),
        _ => key,
    };

    private static HashSet<string> Keys(N node) => Literals(node).Select(l => Key(((NLit)l).Atom)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The one wire field a conjunct is about; an 'or' across fields is an error at that 'or'.</summary>
    private static string SingleKey(N conjunct)
    {
        if (conjunct is NOr or)
        {
            foreach (var item in or.Items)
            {
                if (item is NAnd and)
                {
                    foreach (var inner in and.Items)
                    {
                        SingleKey(inner);
                    }
                }
            }
            var first = Keys(or.Items[0]);
            for (var i = 0; i < or.Items.Count; i++)
            {
                var keys = Keys(or.Items[i]);
                if (keys.Count > 1 || !keys.SetEquals(first) || first.Count > 1)
                {
                    var column = or.Columns[Math.Max(0, i - 1)];
                    var all = first.Union(keys).Select(Describe).ToList();
                    throw new QueryException(
                        $"'or' joins conditions on {all[0]} and {all[1]}; ClearML's get_all combines different fields only with 'and'",
                        column, "or");
                }
            }
        }
        return Keys(conjunct).Single();
    }

    // ---- list fields (tags, system tags, framework, ids, metadata) -------------------------------

    private static JsonArray CompileList(string key, List<N> conjuncts)
    {
        var field = Describe(key);
        if (conjuncts is [NOr single])
        {
            return OrForm(field, single);
        }
        var all = new List<string>();
        var none = new List<string>();
        List<string>? any = null;
        foreach (var conjunct in conjuncts)
        {
            switch (conjunct)
            {
                case NLit { Negated: false } lit:
                    all.Add(Value(lit));
                    break;
                case NLit lit:
                    none.Add(Value(lit));
                    break;
                case NOr or:
                    if (any is not null)
                    {
                        throw new QueryException(
                            $"A second 'or' group on {field}; ClearML's list filter holds one any-of group beside the other conditions on a field",
                            or.Columns[0], "or");
                    }
                    any = [];
                    for (var i = 0; i < or.Items.Count; i++)
                    {
                        switch (or.Items[i])
                        {
                            case NLit { Negated: false } lit:
                                any.Add(Value(lit));
                                break;
                            case NLit lit:
                                throw new QueryException(
                                    $"A negated {field} inside an 'or' that is AND'ed with other {field} conditions; ClearML's list filter cannot express it",
                                    lit.Column, QueryFormatter.FieldName(((QueryValue)lit.Atom).Field));
                            case NAnd and:
                                throw new QueryException(
                                    $"An 'and' inside an 'or' that is AND'ed with other {field} conditions; ClearML's list filter cannot express it",
                                    and.Columns[0], "and");
                        }
                    }
                    break;
            }
        }
        var wire = new JsonArray("__$and");
        foreach (var value in all.Distinct(StringComparer.Ordinal))
        {
            wire.Add((JsonNode)value);
        }
        foreach (var value in none.Distinct(StringComparer.Ordinal))
        {
            wire.Add((JsonNode)"__$not");
            wire.Add((JsonNode)value);
        }
        if (any is not null)
        {
            wire.Add((JsonNode)"__$or");
            foreach (var value in any.Distinct(StringComparer.Ordinal))
            {
                wire.Add((JsonNode)value);
            }
        }
        return wire;
    }

    /// <summary>A field's only condition is an 'or': any-of values, one all-of group and one none-of group, OR'ed.</summary>
    private static JsonArray OrForm(string field, NOr or)
    {
        var any = new List<string>();
        List<string>? all = null;
        List<string>? none = null;
        for (var i = 0; i < or.Items.Count; i++)
        {
            var orColumn = or.Columns[Math.Max(0, i - 1)];
            switch (or.Items[i])
            {
                case NLit { Negated: false } lit:
                    any.Add(Value(lit));
                    break;
                case NLit lit:
                    none = NoneGroup(field, none, [Value(lit)], orColumn);
                    break;
                case NAnd and:
                    if (and.Items.All(n => n is NLit { Negated: false }))
                    {
                        if (all is not null)
                        {
                            throw new QueryException(
                                $"A second 'and' group in an 'or' on {field}; ClearML's list filter holds one all-of group", orColumn, "or");
                        }
                        all = and.Items.Select(n => Value((NLit)n)).ToList();
                    }
                    else if (and.Items.All(n => n is NLit { Negated: true }))
                    {
                        none = NoneGroup(field, none, and.Items.Select(n => Value((NLit)n)).ToList(), orColumn);
                    }
                    else
                    {
                        var at = and.Items.FindIndex(n => n is not NLit || ((NLit)n).Negated != ((NLit)and.Items[0]).Negated);
                        throw new QueryException(
                            $"An 'and' of {field} conditions inside an 'or' must be all positive or all negated; ClearML's list filter cannot mix them",
                            and.Columns[Math.Max(0, at - 1)], "and");
                    }
                    break;
            }
        }
        var wire = new JsonArray("__$or");
        foreach (var value in any.Distinct(StringComparer.Ordinal))
        {
            wire.Add((JsonNode)value);
        }
        foreach (var value in (none ?? []).Distinct(StringComparer.Ordinal))
        {
            wire.Add((JsonNode)"__$not");
            wire.Add((JsonNode)value);
        }
        if (all is not null)
        {
            wire.Add((JsonNode)"__$and");
            foreach (var value in all.Distinct(StringComparer.Ordinal))
            {
                wire.Add((JsonNode)value);
            }
        }
        return wire;
    }

    private static List<string> NoneGroup(string field, List<string>? existing, List<string> values, int column) =>
        existing is null
            ? values
            : throw new QueryException(
                $"A second negated group in an 'or' on {field}; ClearML's list filter ORs at most one group of 'not's (which hold together)",
                column, "or");

    private static string Value(NLit literal) => ((QueryValue)literal.Atom).Value;

    // ---- name and comment -----------------------------------------------------------------------

    private static JsonValue CompilePattern(string key, List<N> conjuncts)
    {
        var field = Describe(key);
        if (conjuncts.Count > 1)
        {
            throw new QueryException($"A second {field} condition; ClearML's {field} filter is one regular expression", conjuncts[1].Column, field);
        }
        var patterns = conjuncts[0] switch
        {
            NLit lit => [Pattern(field, lit)],
            NOr or => or.Items.Select(item => item switch
            {
                NLit lit => Pattern(field, lit),
                NAnd and => throw new QueryException($"An 'and' of {field} conditions; ClearML's {field} filter is one regular expression", and.Columns[0], "and"),
                _ => throw new InvalidOperationException(),
            }).ToList(),
            _ => throw new InvalidOperationException(),
        };
        return JsonValue.Create(patterns.Count == 1 ? patterns[0] : string.Join('|', patterns.Select(p => "(?:" + p + ")")));
    }

    private static string Pattern(string field, NLit literal)
    {
        var pattern = (QueryPattern)literal.Atom;
        if (literal.Negated)
        {
            throw new QueryException($"A negated {field} condition; ClearML's {field} filter only selects what matches", literal.Column, field);
        }
        return pattern.Exact ? "^" + Escape(pattern.Pattern) + "$" : pattern.Pattern;
    }

    /// <summary>Escapes the regex metacharacters of <paramref name="text"/> (as Python's <c>re.escape</c> does for them).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '.' or '^' or '$' or '*' or '+' or '?' or '(' or ')' or '[' or ']' or '{' or '}' or '|')
            {
                builder.Append('\\');
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    // ---- published ------------------------------------------------------------------------------

    private static JsonValue CompileFlag(string key, List<N> conjuncts)
    {
        var field = Describe(key);
        bool? wanted = null;
        foreach (var conjunct in conjuncts)
        {
            if (conjunct is NOr or)
            {
                throw new QueryException($"An 'or' of {field} conditions; ClearML's {key} filter is one value", or.Columns[0], "or");
            }
            var value = !((NLit)conjunct).Negated;
            if (wanted is { } previous && previous != value)
            {
                throw new QueryException($"'{field}' and 'not {field}' together match nothing, and ClearML's {key} filter is one value", conjunct.Column, field);
            }
            wanted = value;
        }
        return JsonValue.Create(wanted!.Value);
    }

    // ---- dates ----------------------------------------------------------------------------------

    private static JsonArray CompileDates(string key, List<N> conjuncts)
    {
        var field = Describe(key);
        var wire = new JsonArray();
        foreach (var conjunct in conjuncts)
        {
            if (conjunct is NOr or)
            {
                throw new QueryException($"An 'or' of {field} conditions; ClearML ANDs the conditions of a date field", or.Columns[0], "or");
            }
            var literal = (NLit)conjunct;
            var date = (QueryDate)literal.Atom;
            var comparison = date.Comparison;
            if (literal.Negated)
            {
                comparison = comparison switch
                {
                    QueryComparison.Greater => QueryComparison.LessOrEqual,
                    QueryComparison.GreaterOrEqual => QueryComparison.Less,
                    QueryComparison.Less => QueryComparison.GreaterOrEqual,
                    QueryComparison.LessOrEqual => QueryComparison.Greater,
                    _ => throw new QueryException(
                        $"A negated '{field} =' is an 'or' of before and after; ClearML ANDs the conditions of a date field", literal.Column, field),
                };
            }
            // A calendar date is the whole UTC day [D, D + 1 day).
            var from = date.Value;
            var next = date.DateOnly ? from.AddDays(1) : from;
            var (ops, values) = (comparison, date.DateOnly) switch
            {
                (QueryComparison.Greater, true) => (new[] { ">=" }, new[] { next }),
                (QueryComparison.LessOrEqual, true) => (["<"], [next]),
                (QueryComparison.Equal, true) => ([">=", "<"], [from, next]),
                (QueryComparison.Equal, false) => ([">=", "<="], [from, from]),
                _ => ([QueryFormatter.ComparisonText(comparison)], [from]),
            };
            for (var i = 0; i < ops.Length; i++)
            {
                wire.Add((JsonNode)(ops[i] + Iso(values[i])));
            }
        }
        return wire;
    }

    private static string Iso(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) + "+00:00";
}
