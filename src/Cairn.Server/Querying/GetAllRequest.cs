using System.Globalization;
using SortKey = Cairn.Core.Querying.SortKey;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Core.Errors;
using Cairn.Core.Querying;

namespace Cairn.Server.Querying;

/// <summary>Where a <c>get_all</c> reads from: a page, or a scroll kept in the store.</summary>
public sealed record Paging(int Skip, int Take, bool Scroll, string? ScrollId, bool RefreshScroll);

/// <summary>
/// A <c>get_all</c> request parsed with ClearML's semantics (api.md §4): filter conditions, order,
/// paging or scrolling, and the <c>only_fields</c> projection.
/// </summary>
public sealed class GetAllRequest
{
    private GetAllRequest(List<QueryCondition> conditions, List<SortKey> order, Paging paging, Projection projection)
    {
        Conditions = conditions;
        Order = order;
        Paging = paging;
        Projection = projection;
    }

    public List<QueryCondition> Conditions { get; }

    public IReadOnlyList<SortKey> Order { get; }

    public Paging Paging { get; }

    public Projection Projection { get; }

    public EntityQuery ToQuery(int skip, int take) => new(Conditions, Order, skip, take);

    /// <exception cref="CairnException">400/12, 400/16 or 400/21 for malformed filters, order or paging.</exception>
    public static GetAllRequest Parse(JsonObject body, EntityFields fields)
    {
        var conditions = new List<QueryCondition>();
        foreach (var (key, value) in body)
        {
            if (value is null)
            {
                continue; // A null parameter is ignored.
            }
            if (fields.Pattern.Contains(key))
            {
                if (ReadPattern(key, value) is { } pattern)
                {
                    conditions.Add(new PatternCondition([key], pattern, IgnoreCase: false, MatchAll: false));
                }
            }
            else if (fields.IsList(key))
            {
                conditions.Add(new ListCondition(key, TagFilter.Parse(ReadListValues(key, value))));
            }
            else if (fields.Range.Contains(key) || fields.IsPrefixedRange(key))
            {
                conditions.Add(ReadRange(key, value, fields.Dates.Contains(key), numericStrings: fields.IsPrefixedRange(key)));
            }
            else if (fields.Equality.Contains(key))
            {
                conditions.Add(ReadEquality(key, value));
            }
            else if (fields.DateTime.Contains(key))
            {
                conditions.AddRange(ReadDateConditions(key, value));
            }
            else if (key is "_any_" or "_or_" or "_all_" or "_and_")
            {
                if (ReadAnyAll(key, value, fields) is { } condition)
                {
                    conditions.Add(condition);
                }
            }
        }
        if (body["filters"] is { } filters)
        {
            conditions.AddRange(ReadFilters(filters, fields));
        }
        var searchText = body["search_text"];
        if (searchText is not null && ReadString("search_text", searchText) is { Length: > 0 } text && fields.Text.Count > 0)
        {
            conditions.Add(new PatternCondition(fields.Text, Regex.Escape(text), IgnoreCase: true, MatchAll: false));
        }

        return new GetAllRequest(conditions, ReadOrder(body, searchText is not null), ReadPaging(body), Projection.Parse(body["only_fields"], fields.HiddenByDefault, fields.ProjectionPath));
    }

    private static string? ReadPattern(string key, JsonNode value)
    {
        var pattern = ReadString(key, value);
        return string.IsNullOrEmpty(pattern) ? null : PythonRegex.Translate(pattern);
    }

    /// <summary>A list field's value; a single value is wrapped. Elements must be strings or null (400/16).</summary>
    public static List<string?> ReadListValues(string key, JsonNode value)
    {
        var items = value is JsonArray array ? array.ToList() : [value];
        var result = new List<string?>(items.Count);
        foreach (var item in items)
        {
            if (item is null)
            {
                result.Add(null);
            }
            else if (item.GetValueKind() == JsonValueKind.String)
            {
                result.Add(item.GetValue<string>());
            }
            else
            {
                throw new CairnException(ErrorCodes.FieldsValueError, "invalid value type, string expected",
                    new Dictionary<string, object?> { ["field"] = key, ["value"] = item.ToJsonString() });
            }
        }
        return result;
    }

    private static ComparisonCondition ReadEquality(string key, JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.True => new ComparisonCondition(key, ComparisonOperator.Equal, true),
        JsonValueKind.False => new ComparisonCondition(key, ComparisonOperator.Equal, false),
        JsonValueKind.Number => new ComparisonCondition(key, ComparisonOperator.Equal, value.GetValue<JsonElement>().GetDouble()),
        JsonValueKind.String => new ComparisonCondition(key, ComparisonOperator.Equal, value.GetValue<string>()),
        _ => throw CairnException.Validation($"field '{key}' must be compared with a single value, not {value.ToJsonString()}"),
    };

    private static RangeCondition ReadRange(string key, JsonNode value, bool isDate, bool numericStrings = false)
    {
        if (value is not JsonArray { Count: 2 } range || (range[0] is null && range[1] is null))
        {
            throw CairnException.Validation($"field '{key}' must be a range [min, max] with at least one end set");
        }
        object? Bound(JsonNode? node) => node switch
        {
            null => null,
            _ when isDate => ParseDate(key, node),
            _ when node.GetValueKind() == JsonValueKind.Number => node.GetValue<JsonElement>().GetDouble(),
            // Metric values are numbers; ClearML converts string bounds where it can.
            _ when numericStrings && node.GetValueKind() == JsonValueKind.String
                && double.TryParse(node.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
            _ => throw CairnException.Validation($"field '{key}' range bounds must be numbers or null"),
        };
        return new RangeCondition(key, Bound(range[0]), Bound(range[1]));
    }

    private static IEnumerable<QueryCondition> ReadDateConditions(string key, JsonNode value)
    {
        var items = value is JsonArray array ? array.ToList() : [value];
        var texts = items.Select(i => i?.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : null).ToList();
        // Two plain dates (no operators) are a range [from, to]; unparsable entries are skipped below.
        if (texts.Count == 2 && texts.All(t => t is not null && !t.StartsWith('<') && !t.StartsWith('>'))
            && TryDate(texts[0]!) is { } from && TryDate(texts[1]!) is { } to)
        {
            yield return new RangeCondition(key, from, to);
            yield break;
        }
        foreach (var text in texts)
        {
            if (text is null)
            {
                continue;
            }
            var (op, rest) = text switch
            {
                _ when text.StartsWith(">=", StringComparison.Ordinal) => (ComparisonOperator.GreaterOrEqual, text[2..]),
                _ when text.StartsWith("<=", StringComparison.Ordinal) => (ComparisonOperator.LessOrEqual, text[2..]),
                _ when text.StartsWith('>') => (ComparisonOperator.Greater, text[1..]),
                _ when text.StartsWith('<') => (ComparisonOperator.Less, text[1..]),
                _ => (ComparisonOperator.Equal, text),
            };
            // Unparsable entries are skipped, as ClearML skips them.
            if (TryDate(rest) is { } date)
            {
                yield return new ComparisonCondition(key, op, date);
            }
        }
    }

    /// <summary>MongoDB's limit on sort keys, which ClearML inherits.</summary>
    public const int MaxSortKeys = 32;

    private static QueryCondition? ReadAnyAll(string key, JsonNode value, EntityFields fields)
    {
        if (value is not JsonObject clause || clause["fields"] is not JsonArray fieldList
            || (clause["pattern"] is null) == (clause["datetime"] is null))
        {
            throw CairnException.Validation($"incorrect field format for {key}: expected {{fields: [...], pattern: regex}} or {{fields: [...], datetime: condition}}");
        }
        var names = ReadListValues(key + ".fields", fieldList).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return null;
        }
        var matchAll = key is "_all_" or "_and_";
        if (clause["pattern"] is { } patternNode)
        {
            var pattern = ReadPattern(key + ".pattern", patternNode);
            return pattern is null ? null : new PatternCondition(names, pattern, IgnoreCase: true, MatchAll: matchAll);
        }
        // Each field's datetime conditions hold together; fields are OR'ed (_any_) or AND'ed (_all_).
        // Fields that are not datetime fields of the entity are ignored.
        var perField = names
            .Where(name => fields.DateTime.Contains(name) || fields.Dates.Contains(name))
            .Select(name => ReadDateConditions(name, clause["datetime"]!).ToList())
            .Where(conditions => conditions.Count > 0)
            .Select(conditions => (QueryCondition)new AllCondition(conditions))
            .ToList();
        if (perField.Count == 0)
        {
            return null;
        }
        return matchAll ? new AllCondition(perField) : new AnyCondition(perField);
    }

    private static IEnumerable<QueryCondition> ReadFilters(JsonNode filters, EntityFields fields)
    {
        if (filters is not JsonObject byField)
        {
            throw CairnException.Validation("filters must be an object of {field: {any, all, op}}");
        }
        foreach (var (field, spec) in byField)
        {
            if (spec is not JsonObject parts)
            {
                throw CairnException.Validation($"filters.{field} must be an object with any/all/op");
            }
            var anyInclude = new List<string?>();
            var anyExclude = new List<string?>();
            var allInclude = new List<string?>();
            var allExclude = new List<string?>();
            var op = LogicalOperator.And;
            foreach (var (partName, part) in parts)
            {
                switch (partName)
                {
                    case "any" or "all":
                        if (part is not JsonObject includeExclude)
                        {
                            throw CairnException.Validation($"filters.{field}.{partName} must be an object with include/exclude");
                        }
                        foreach (var (listName, list) in includeExclude)
                        {
                            var values = listName switch
                            {
                                "include" => partName == "any" ? anyInclude : allInclude,
                                "exclude" => partName == "any" ? anyExclude : allExclude,
                                _ => throw CairnException.Validation($"filters.{field}.{partName}.{listName} is not include or exclude"),
                            };
                            if (list is not null)
                            {
                                values.AddRange(ReadListValues($"filters.{field}.{partName}.{listName}", list));
                            }
                        }
                        break;
                    case "op":
                        op = part?.GetValueKind() == JsonValueKind.String ? part.GetValue<string>() switch
                        {
                            "and" => LogicalOperator.And,
                            "or" => LogicalOperator.Or,
                            var other => throw CairnException.Validation($"filters.{field}.op must be 'and' or 'or', not '{other}'"),
                        } : throw CairnException.Validation($"filters.{field}.op must be 'and' or 'or'");
                        break;
                    default:
                        throw CairnException.Validation($"filters.{field}.{partName} is not one of any, all, op");
                }
            }
            if (!fields.IsList(field))
            {
                throw CairnException.Validation($"filters can only be applied to list fields, not '{field}'");
            }
            yield return new ArrayFilterCondition(field, new ArrayFilter(anyInclude, anyExclude, allInclude, allExclude, op));
        }
    }

    private static List<SortKey> ReadOrder(JsonObject body, bool hasSearchText)
    {
        var order = new List<SortKey>();
        if (body["order_by"] is not { } node)
        {
            return order;
        }
        foreach (var item in ReadListValues("order_by", node).OfType<string>())
        {
            if (item.Length == 0 || item == "-")
            {
                continue;
            }
            if (item.TrimStart('-') == "@text_score")
            {
                if (!hasSearchText)
                {
                    throw new CairnException(ErrorCodes.FieldsValueError, "text score cannot be used without search_text");
                }
                continue;
            }
            var key = item.StartsWith('-') ? new SortKey(item[1..], true) : new SortKey(item, false);
            // A field sorts once, by its first mention (later ones cannot change the order).
            if (!order.Any(k => k.Field == key.Field))
            {
                order.Add(key);
            }
        }
        if (order.Count > MaxSortKeys)
        {
            throw CairnException.Validation($"order_by may name at most {MaxSortKeys} fields");
        }
        return order;
    }

    private static Paging ReadPaging(JsonObject body)
    {
        if (body.ContainsKey("scroll_id"))
        {
            var size = ReadInt(body, "size");
            if (size is null or < 1)
            {
                throw CairnException.Validation("Integer size parameter greater than 1 should be provided when working with scroll");
            }
            var scrollId = body["scroll_id"] is { } id && id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : null;
            var refresh = body["refresh_scroll"] is { } r && r.GetValueKind() == JsonValueKind.True;
            return new Paging(0, Math.Min(size.Value, EntityQuery.MaxPageSize), true, string.IsNullOrEmpty(scrollId) ? null : scrollId, refresh);
        }
        var page = ReadInt(body, "page") ?? 0;
        if (page < 0)
        {
            throw new CairnException(ErrorCodes.ValidationError, "page must be >=0", new Dictionary<string, object?> { ["field"] = "page" });
        }
        var pageSize = ReadInt(body, "page_size") ?? EntityQuery.MaxPageSize;
        if (pageSize < 1)
        {
            throw new CairnException(ErrorCodes.ValidationError, "page_size must be >0", new Dictionary<string, object?> { ["field"] = "page_size" });
        }
        pageSize = Math.Min(pageSize, EntityQuery.MaxPageSize);
        // A page past int.MaxValue rows is simply empty.
        return new Paging((int)Math.Min((long)page * pageSize, int.MaxValue), pageSize, false, null, false);
    }

    private static int? ReadInt(JsonObject body, string key)
    {
        var node = body[key];
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.Number && node.GetValue<JsonElement>().TryGetInt32(out var value))
        {
            return value;
        }
        throw CairnException.Validation($"error for field '{key}': expected an integer, got {node.ToJsonString()}");
    }

    private static string? ReadString(string key, JsonNode value) =>
        value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw CairnException.Validation($"error for field '{key}': expected a string, got {value.ToJsonString()}");

    private static DateTimeOffset ParseDate(string key, JsonNode node) =>
        node.GetValueKind() == JsonValueKind.String && TryDate(node.GetValue<string>()) is { } date
            ? date
            : throw CairnException.Validation($"field '{key}' bound {node.ToJsonString()} is not an ISO-8601 date");

    private static DateTimeOffset? TryDate(string text) =>
        DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date) ? date : null;
}
