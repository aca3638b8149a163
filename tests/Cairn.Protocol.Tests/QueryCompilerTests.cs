using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol.Query;
using Xunit;

namespace Cairn.Protocol.Tests;

/// <summary>The query language's parser and compiler (docs/query.md): the wire fields each shape compiles to, and every error with its column.</summary>
public sealed class QueryCompilerTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Wire(string query) => QueryCompiler.Compile(query).ToJsonString(Relaxed);

    [Fact]
    public void The_issue_example_compiles_to_anded_get_all_fields()
    {
        var fields = QueryCompiler.Compile(
            """tag:production and not tag:deprecated and (framework:PyTorch or framework:ONNX) and meta.dataset = "imagenet" and name ~ "^resnet" and published and updated > 2026-11-01""");
        Assert.Equal(
            """{"tags":["__$and","production","__$not","deprecated"],"framework":["__$or","PyTorch","ONNX"],"metadata.dataset.value":["__$and","imagenet"],"name":"^resnet","ready":true,"last_update":[">=2026-11-02T00:00:00+00:00"]}""",
            fields.ToJsonString(Relaxed));
    }

    [Theory]
    [InlineData("tag:a", """{"tags":["__$and","a"]}""")]
    [InlineData("tag:a and tag:b", """{"tags":["__$and","a","b"]}""")]
    [InlineData("tag:a or tag:b", """{"tags":["__$or","a","b"]}""")]
    [InlineData("not tag:a", """{"tags":["__$and","__$not","a"]}""")]
    [InlineData("tag != a", """{"tags":["__$and","__$not","a"]}""")]
    [InlineData("not (tag:a or tag:b)", """{"tags":["__$and","__$not","a","__$not","b"]}""")]
    [InlineData("tag:a and not tag:b and (tag:c or tag:d)", """{"tags":["__$and","a","__$not","b","__$or","c","d"]}""")]
    [InlineData("tag:a or (tag:b and tag:c) or not tag:d", """{"tags":["__$or","a","__$not","d","__$and","b","c"]}""")]
    [InlineData("tag:a or not (tag:b or tag:c)", """{"tags":["__$or","a","__$not","b","__$not","c"]}""")]
    [InlineData("(tag:a or tag:b) and framework:Keras", """{"tags":["__$or","a","b"],"framework":["__$and","Keras"]}""")]
    [InlineData("tag:\"-x\" and tag:\"and\"", """{"tags":["__$and","-x","and"]}""")]
    [InlineData("system_tag:archived", """{"system_tags":["__$and","archived"]}""")]
    [InlineData("project:p1 and id != m1 and user:u and task:t", """{"project":["__$and","p1"],"id":["__$and","__$not","m1"],"user":["__$and","u"],"task":["__$and","t"]}""")]
    [InlineData("meta.epochs = 10 or meta.epochs = 20", """{"metadata.epochs.value":["__$or","10","20"]}""")]
    [InlineData("name ~ \"^resnet\" or name ~ \"vit$\"", """{"name":"(?:^resnet)|(?:vit$)"}""")]
    [InlineData("name = \"my model (v1.2)\"", """{"name":"^my model \\(v1\\.2\\)$"}""")]
    [InlineData("comment ~ \"baseline\"", """{"comment":"baseline"}""")]
    [InlineData("not published", """{"ready":false}""")]
    [InlineData("draft", """{"ready":false}""")]
    [InlineData("updated >= 2026-11-01 and updated <= 2026-11-30", """{"last_update":[">=2026-11-01T00:00:00+00:00","<2026-12-01T00:00:00+00:00"]}""")]
    [InlineData("updated = 2026-11-01", """{"last_update":[">=2026-11-01T00:00:00+00:00","<2026-11-02T00:00:00+00:00"]}""")]
    [InlineData("updated < 2026-11-01T10:30:00Z", """{"last_update":["<2026-11-01T10:30:00+00:00"]}""")]
    [InlineData("not updated > \"2026-11-01T10:30:00.5+02:00\"", """{"last_update":["<=2026-11-01T08:30:00.5+00:00"]}""")]
    [InlineData("created > 2026-01-01", """{"_all_":{"fields":["created"],"datetime":[">=2026-01-02T00:00:00+00:00"]}}""")]
    [InlineData("TAG:a AND NOT Tag:b", """{"tags":["__$and","a","__$not","b"]}""")]
    public void Each_shape_compiles_to_its_wire_form(string query, string expected) => Assert.Equal(expected, Wire(query));

    [Theory]
    [InlineData("meta.acc.top1 = \"0.9\"", "acc.top1", """{"metadata.acc%2Etop1.value":["__$and","0.9"]}""")]
    [InlineData("meta.cost$ = low", "cost$", """{"metadata.cost%24.value":["__$and","low"]}""")]
    [InlineData("meta.__private = x", "__private", """{"metadata.%_%_private.value":["__$and","x"]}""")]
    [InlineData("meta._seed = 7", "_seed", """{"metadata.%_seed.value":["__$and","7"]}""")]
    [InlineData("meta.rate%2E = x", "rate%2E", """{"metadata.rate%%2E.value":["__$and","x"]}""")]
    [InlineData("metadata.a.b.c != x", "a.b.c", """{"metadata.a%2Eb%2Ec.value":["__$and","__$not","x"]}""")]
    public void A_metadata_key_is_escaped_as_clearml_stores_it(string query, string key, string expected)
    {
        Assert.Equal(expected, Wire(query));
        // The escaped path is Protocol's (the same the SDK and the server use), and it names one key.
        Assert.Equal(MetadataKeys.ValuePath(key), QueryCompiler.Compile(query).Single().Key);
        Assert.Equal(3, QueryCompiler.Compile(query).Single().Key.Split('.').Length);
    }

    [Fact]
    public void An_error_about_an_escaped_metadata_key_names_the_key_as_written()
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile("meta.acc.top1 = 1 or tag:a"));
        Assert.Contains("conditions on meta.acc.top1 and tag", error.Message, StringComparison.Ordinal);
        Assert.Equal((19, "or"), (error.Column, error.Token));
    }

    [Theory]
    // syntax
    [InlineData("", 1, "", "empty")]
    [InlineData("tag:a and", 10, "", "Expected a condition")]
    [InlineData("tag:a tag:b", 7, "tag", "Expected 'and', 'or'")]
    [InlineData("(tag:a or tag:b", 16, "", "Missing ')'")]
    [InlineData("tag:a)", 6, ")", "Unbalanced")]
    [InlineData("()", 2, ")", "Empty parentheses")]
    [InlineData("color:red", 1, "color", "Unknown field")]
    [InlineData("tag = and", 7, "and", "quote it")]
    [InlineData("tag:", 5, "", "Expected a value")]
    [InlineData("tag ~ a", 5, "~", "Expected ':'")]
    [InlineData("name ~ \"(unclosed\"", 8, "\"(unclosed\"", "Invalid regular expression")]
    [InlineData("tag:\"open", 5, "\"open", "Unterminated")]
    [InlineData("tag:a & tag:b", 7, "&", "Unexpected character")]
    [InlineData("updated > yesterday", 11, "yesterday", "Expected a date")]
    [InlineData("updated ~ 2026-01-01", 9, "~", "Expected one of")]
    [InlineData("tag:\"__$not\"", 5, "\"__$not\"", "__$")]
    [InlineData("meta. = 1", 1, "meta.", "metadata key")]
    // shapes the wire cannot express
    [InlineData("tag:a or framework:x", 7, "or", "'or' joins conditions on tag and framework")]
    [InlineData("tag:a and (tag:b or framework:x)", 18, "or", "combines different fields only with 'and'")]
    [InlineData("not (tag:a and published)", 12, "or", "'or' joins")]
    [InlineData("(tag:a and framework:x) or (tag:b and framework:y)", 25, "or", "'or' joins")]
    [InlineData("(tag:a or tag:b) and (tag:c or tag:d)", 29, "or", "second 'or' group")]
    [InlineData("tag:x and (tag:a or not tag:b)", 25, "tag", "negated tag inside an 'or'")]
    [InlineData("tag:x and (tag:a or tag:b and tag:c)", 27, "and", "'and' inside an 'or'")]
    [InlineData("not tag:a or not tag:b", 11, "or", "second negated group")]
    [InlineData("(tag:a and tag:b) or (tag:c and tag:d)", 19, "or", "second 'and' group")]
    [InlineData("tag:a or (tag:b and not tag:c)", 17, "and", "all positive or all negated")]
    [InlineData("name ~ a and name ~ b", 14, "name", "second name condition")]
    [InlineData("not name ~ a", 5, "name", "negated name")]
    [InlineData("name ~ a or (name ~ b and name ~ c)", 23, "and", "one regular expression")]
    [InlineData("published and not published", 19, "published", "match nothing")]
    [InlineData("published or draft", 11, "or", "'or' of published")]
    [InlineData("updated < 2026-01-01 or updated > 2026-02-01", 22, "or", "ANDs the conditions of a date field")]
    [InlineData("not updated = 2026-01-01", 5, "updated", "negated 'updated ='")]
    public void Each_error_names_its_column_and_token(string query, int column, string token, string reason)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(query));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(column, error.Column);
        Assert.Equal(token, error.Token);
        Assert.Contains($"column {column}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_and_long_text_are_refused_not_recursed()
    {
        var deep = new string('(', 200) + "tag:a" + new string(')', 200);
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(deep));
        Assert.Equal(QueryParser.MaxDepth + 1, error.Column);
        var nots = string.Concat(Enumerable.Repeat("not ", 100)) + "tag:a";
        Assert.Contains("nests deeper", Assert.Throws<QueryException>(() => QueryParser.Parse(nots)).Message, StringComparison.Ordinal);
        var longText = string.Join(" or ", Enumerable.Repeat("tag:abcdefgh", 2000));
        Assert.Contains("longer than", Assert.Throws<QueryException>(() => QueryParser.Parse(longText)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tag:a and not tag:b and (framework:PyTorch or framework:ONNX)")]
    [InlineData("(tag:a or tag:b and tag:c) and not (tag:d or tag:e)")]
    [InlineData("meta.dataset = \"image net\" and name ~ \"^res\\\\d+\" and published")]
    [InlineData("updated > 2026-11-01 and created <= \"2026-11-01T10:30:00Z\" and draft")]
    [InlineData("tag:\"with space\" or tag:\"say \\\"hi\\\"\" or tag:\"2024\"")]
    [InlineData("name = \"x\" and comment ~ \"y\" and system_tag != archived")]
    [InlineData("meta.acc.top1 = \"0.9\" and meta.__x$ != y")]
    public void Formatting_round_trips_through_the_parser(string query)
    {
        var parsed = QueryParser.Parse(query);
        var text = parsed.ToString();
        var again = QueryParser.Parse(text);
        Assert.Equal(text, again.ToString());
        Assert.Equal(Normalized(QueryCompilerSafe(parsed)), Normalized(QueryCompilerSafe(again)));
    }

    [Fact]
    public void Formatting_keeps_precedence_with_parentheses()
    {
        Assert.Equal("(tag:a or tag:b) and tag:c", QueryParser.Parse("(tag:a or tag:b) and tag:c").ToString());
        Assert.Equal("tag:a or tag:b and tag:c", QueryParser.Parse("tag:a or (tag:b and tag:c)").ToString());
        Assert.Equal("not (tag:a or tag:b)", QueryParser.Parse("not (tag:a or tag:b)").ToString());
        Assert.Equal("meta.epochs = \"10\"", QueryParser.Parse("meta.epochs=10").ToString());
    }

    [Fact]
    public void The_parse_tree_records_fields_values_and_columns()
    {
        var and = Assert.IsType<QueryAnd>(QueryParser.Parse("tag:a and meta.k != \"v w\""));
        Assert.Equal([7], and.OperatorColumns);
        var tag = Assert.IsType<QueryValue>(and.Operands[0]);
        Assert.Equal((QueryField.Tag, "a", 1), (tag.Field, tag.Value, tag.Column));
        var not = Assert.IsType<QueryNot>(and.Operands[1]);
        var meta = Assert.IsType<QueryValue>(not.Operand);
        Assert.Equal((QueryField.Metadata, "k", "v w", 11), (meta.Field, meta.Key, meta.Value, meta.Column));
        var date = Assert.IsType<QueryDate>(QueryParser.Parse("updated>=2026-02-03"));
        Assert.Equal((QueryComparison.GreaterOrEqual, true, new DateTimeOffset(2026, 2, 3, 0, 0, 0, TimeSpan.Zero)), (date.Comparison, date.DateOnly, date.Value));
    }

    [Fact]
    public void Escape_quotes_every_regex_metacharacter()
    {
        const string text = @"a.b^c$d*e+f?g(h)i[j]k{l}m|n\o p";
        Assert.Equal(@"a\.b\^c\$d\*e\+f\?g\(h\)i\[j\]k\{l\}m\|n\\o p", QueryCompiler.Escape(text));
        Assert.Matches("^" + QueryCompiler.Escape(text) + "$", text);
    }

    private static string QueryCompilerSafe(QueryNode node)
    {
        try
        {
            return QueryCompiler.Compile(node).ToJsonString();
        }
        catch (QueryException error)
        {
            return "error: " + error.Reason;
        }
    }

    private static string Normalized(string json) => JsonNode.Parse(json.StartsWith("error", StringComparison.Ordinal) ? "\"" + json + "\"" : json)!.ToJsonString();
}
