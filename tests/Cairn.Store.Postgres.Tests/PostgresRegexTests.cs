using System.Text.RegularExpressions;
using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Npgsql;
using Xunit;

namespace Cairn.Store.Postgres.Tests;

/// <summary>
/// Name filters on PostgreSQL: each Python pattern, as the server hands it to the store, matches
/// in PostgreSQL exactly the strings it matches in .NET (the SQLite store's engine), checked on the
/// real server; patterns without a faithful translation are refused with 400/21 naming them.
/// </summary>
public sealed class PostgresRegexTests
{
    /// <summary>Strings chosen to tell the engines apart: newlines, word edges, braces, case, digits.</summary>
    private static readonly string[] Subjects =
    [
        "", "a", "A", "abc", "ABC", "aBc", "abc\n", "abc\nx", "a\nb", "x abc y", "xabcy", "ab", "abcabc",
        "resnet50", "resnet-50", "ResNet50 v2", "model.onnx", "model_onnx", "model{1}", "a{,2}", "a]b", "a}b",
        "tab\there", "café", "price $5", "^caret", "back\\slash", "A1", "1A", "AB", "x{", "{3}", "aaa", "aaaa",
        "my model (final)", "v1.2.3", "word boundary", "wordboundary", "\u0001ctl", "AZ",
    ];

    public static TheoryData<string> Patterns() =>
    [
        // What the SDK sends: "^" + re.escape(name) + "$", and plain substrings.
        "^resnet50$", "^my\\ model\\ \\(final\\)$", "^v1\\.2\\.3$", "^model\\.onnx$", "resnet", "abc",
        // Anchors and the final newline: .NET's $ and \Z also match before it, \z does not.
        "abc$", "^abc$", "abc\\Z", "abc\\z", "\\Aabc", "^a", "^$",
        // Dot and newlines; (?s).
        "a.b", "a.c", "(?s)a.b", ".", "^.*$", "^.+$",
        // Word boundaries.
        "\\bword\\b", "\\bboundary", "word\\B", "\\babc\\b",
        // Classes, escapes and negation.
        "[0-9]+", "\\d\\d", "^\\w+$", "\\s", "\\S+", "[^a-z]", "[]a]", "[a\\]]b", "[\\^c]", "[\\d-]", "[.]", "[\\s]",
        "\\x41Z", "\\x41B", "\\x41", "\\u0041Z", "\\t", "\\$5", "\\^caret", "back\\\\slash", "[\\x00-\\x1f]",
        // Quantifiers, counts and literal braces.
        "a{2}", "a{3,}", "^a{2,3}$", "a{,2}", "model\\{1}", "model{1}", "x{", "\\{3}", "^a*?$", "ab+?c", "(ab)+", "(?:ab){2}",
        // Alternation, groups, lookaround, comments, named groups.
        "resnet|bert", "^(resnet|bert)50$", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "(?#note)abc", "(?<name>ab)c",
        // Case.
        "(?i)abc", "(?i)^resnet50 V2$", "(?is)a.B", "(?i)CAFÉ", "(?i)[A-C]B", "(?i)[é]",
        // Case-insensitive from within: to the end of the group, or in a scoped group.
        "a(?i)b", "A(?i)b", "(a(?i)b)c", "(a(?i)b)C", "(?i:a)b", "(?i:A)B", "x(?i:AB)c",
    ];

    [Theory]
    [MemberData(nameof(Patterns))]
    public async Task A_pattern_matches_the_same_strings_as_in_the_SQLite_store(string python)
    {
        var dotnet = PythonRegex.Translate(python);
        var expected = Subjects.Where(s => Regex.IsMatch(s, dotnet)).ToList();

        var actual = await MatchInPostgresAsync(PostgresRegex.Translate(dotnet));

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("^ABC$")]
    [InlineData("café")]
    public async Task Search_text_matches_case_insensitively_as_in_the_SQLite_store(string text)
    {
        var escaped = Regex.Escape(text);
        var expected = Subjects.Where(s => Regex.IsMatch(s, "(?i)" + escaped)).ToList();

        var actual = await MatchInPostgresAsync(PostgresRegex.Translate(escaped, ignoreCase: true));

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("(a)\\1", "back-reference")]
    [InlineData("(?P<x>a)(?P=x)", "back-reference")]
    [InlineData("(?>a+)b", "atomic group")]
    [InlineData("a(?i)[a-c]", "range of letters")]
    [InlineData("(?i)[à-é]", "range of letters")]
    [InlineData("(?m)^a", "inline options")]
    [InlineData("(?x)a b", "inline options")]
    [InlineData("\\p{L}", "Unicode category")]
    [InlineData("[[:alpha:]]", "POSIX class")]
    [InlineData("[\\W]", "\\W inside a character class")]
    [InlineData("a{256}", "above 255")]
    [InlineData("(a)?(?(1)b|c)", "conditional")]
    public void A_pattern_without_a_faithful_translation_is_refused_naming_it(string python, string construct)
    {
        var dotnet = PythonRegex.Translate(python);

        var error = Assert.Throws<CairnException>(() => PostgresRegex.Translate(dotnet));

        Assert.Equal((400, 21), (error.Error.Code, error.Error.Subcode));
        Assert.Contains(construct, error.Message);
        Assert.Equal(dotnet, error.ErrorData["regex"]);
    }

    private static async Task<List<string>> MatchInPostgresAsync(string are)
    {
        await using var connection = new NpgsqlConnection(PostgresStoreProvider.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT s FROM unnest(@subjects) WITH ORDINALITY AS t(s, n) WHERE s ~ @pattern ORDER BY n", connection);
        command.Parameters.AddWithValue("subjects", Subjects);
        command.Parameters.AddWithValue("pattern", are);
        var matched = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            matched.Add(reader.GetString(0));
        }
        return matched;
    }
}
