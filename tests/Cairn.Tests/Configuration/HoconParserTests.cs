using Cairn.Configuration.Hocon;
using Xunit;

namespace Cairn.Tests.Configuration;

public sealed class HoconParserTests
{
    private static HoconConfig Parse(string text, Dictionary<string, string>? environment = null) =>
        HoconConfig.Parse(text, "test.conf", name => environment is not null && environment.TryGetValue(name, out var v) ? v : null);

    [Fact]
    public void Dotted_keys_nested_objects_and_every_separator_build_one_tree()
    {
        var config = Parse("""
            a.b.c = 1
            a { b { d: two } }
            a.e {
              f = "three"
            }
            """);
        Assert.Equal("1", config.GetString("a.b.c"));
        Assert.Equal("two", config.GetString("a.b.d"));
        Assert.Equal("three", config.GetString("a.e.f"));
    }

    [Fact]
    public void A_repeated_object_key_merges_and_a_repeated_scalar_key_replaces()
    {
        var config = Parse("""
            sdk { aws { s3 { key: "k1", region: eu } } }
            sdk { aws { s3 { key: "k2" } } }
            x = 1
            x = 2
            """);
        Assert.Equal("k2", config.GetString("sdk.aws.s3.key"));
        Assert.Equal("eu", config.GetString("sdk.aws.s3.region"));
        Assert.Equal(2, config.GetLong("x"));
    }

    [Fact]
    public void Quoted_strings_keep_escapes_and_comment_characters()
    {
        var config = Parse("""
            a: "tab\tquote\"slash\\u\u00e9 # not a comment // nor this"
            b: \"\"\"raw "quoted" text
            on two lines\"\"\"
            """.Replace("\\\"\\\"\\\"", "\"\"\"", StringComparison.Ordinal));
        Assert.Equal("tab\tquote\"slash\\u\u00e9 # not a comment // nor this", config.GetString("a"));
        Assert.Equal("raw \"quoted\" text\non two lines", config.GetString("b"));
    }

    [Fact]
    public void Comments_of_both_kinds_are_skipped_but_urls_in_unquoted_values_are_kept()
    {
        var config = Parse("""
            # a hash comment
            // a slash comment
            url: http://host:8008/path   # trailing comment
            other = s3://bucket/key // another
            """);
        Assert.Equal("http://host:8008/path", config.GetString("url"));
        Assert.Equal("s3://bucket/key", config.GetString("other"));
    }

    [Fact]
    public void Lists_numbers_booleans_and_null_are_read_by_type()
    {
        var config = Parse("""
            list: [1, "two", { three: 3 }
              four
            ]
            n = 72.5
            yes_value = yes
            off = false
            nothing = null
            appended += x
            appended += y
            """);
        var list = config.GetList("list")!;
        Assert.Equal(4, list.Count);
        Assert.Equal(72.5, config.GetDouble("n"));
        Assert.True(config.GetBool("yes_value"));
        Assert.False(config.GetBool("off"));
        Assert.Null(config.GetString("nothing"));
        Assert.Equal(2, config.GetList("appended")!.Count);
        Assert.Equal(["list.0", "list.1", "list.2.three", "list.3"], config.Flatten("list").Select(p => p.Key));
    }

    [Fact]
    public void Substitutions_come_from_the_configuration_then_the_environment()
    {
        var config = Parse("""
            base = "/data"
            cache = ${base}/cache
            home = ${HOME}/x
            key = ${?CLEARML_KEY}
            missing = ${?NOT_SET}
            joined = ${base} and ${?NOT_SET} more
            """, new() { ["HOME"] = "/home/u", ["CLEARML_KEY"] = "k" });
        Assert.Equal("/data/cache", config.GetString("cache"));
        Assert.Equal("/home/u/x", config.GetString("home"));
        Assert.Equal("k", config.GetString("key"));
        Assert.Null(HoconResolver.Find(config.Root, "missing"));
        Assert.Equal("/data and  more", config.GetString("joined"));
    }

    [Fact]
    public void An_include_is_read_relative_to_the_including_file_and_a_missing_one_is_ignored()
    {
        var folder = Directory.CreateTempSubdirectory("hocon-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "extra.conf"), "api { files_server: \"http://files\" }");
            var main = Path.Combine(folder, "main.conf");
            File.WriteAllText(main, "include \"extra.conf\"\ninclude \"absent.conf\"\napi { api_server: \"http://api\" }\n");
            var config = HoconConfig.Load(main, _ => null);
            Assert.Equal("http://files", config.GetString("api.files_server"));
            Assert.Equal("http://api", config.GetString("api.api_server"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("a: \"open", 1, 4, "unterminated quoted string")]
    [InlineData("a {\n  b: 1\n", 3, 1, "missing '}'")]
    [InlineData("a {\n  b 1\n}", 2, 5, "expected ':', '=' or '{'")]
    [InlineData("x = 1\ny = ${UNSET_VARIABLE}", 2, 5, "cannot resolve ${UNSET_VARIABLE}")]
    [InlineData("a: [1, 2", 1, 9, "missing ']'")]
    [InlineData("a: \"bad \\q escape\"", 1, 10, "invalid escape")]
    [InlineData("a = 1 }", 1, 7, "expected a new line or ','")]
    public void Errors_name_the_line_and_column(string text, int line, int column, string problem)
    {
        var e = Assert.Throws<HoconParseException>(() => Parse(text));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"test.conf:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_substitution_that_refers_to_itself_is_an_error_not_a_hang()
    {
        var e = Assert.Throws<HoconParseException>(() => Parse("a = ${b}\nb = ${a}"));
        Assert.Contains("refers to itself", e.Problem, StringComparison.Ordinal);
    }
}
