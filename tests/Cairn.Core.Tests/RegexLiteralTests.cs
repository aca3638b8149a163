using System.Text.RegularExpressions;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary>
/// <see cref="RegexLiteral.Analyze"/>: the literal part of a pattern, which lets a store answer
/// exact-name, prefix and substring patterns from an index instead of running the regex.
/// </summary>
public sealed class RegexLiteralTests
{
    /// <summary>Pattern (.NET syntax) → text, anchored start, exact (<c>^text$</c>), ends at text (<c>^text\z</c>), whole pattern.</summary>
    public static TheoryData<string, string, bool, bool, bool, bool> Literals => new()
    {
        // The SDK's exact-name lookup: "^" + re.escape(name) + "$".
        { @"^my\ model$", "my model", true, true, false, false },
        { @"^my\ model\-v2\ \#1$", "my model-v2 #1", true, true, false, false },
        { @"^a\.b$", "a.b", true, true, false, false },
        { @"^abc\z", "abc", true, false, true, false },
        { "^abc", "abc", true, false, false, false },
        { @"\Aabc", "abc", true, false, false, false },
        { "abc", "abc", false, false, false, true },
        { "my model", "my model", false, false, false, true },
        { @"a\|b", "a|b", false, false, false, true },
        { @"\^abc", "^abc", false, false, false, true },
        { @"C:\\path", @"C:\path", false, false, false, true },
        // Whatever follows the literal leaves the regex to decide the rest.
        { "abc$", "abc", false, false, false, false },
        { "^a.c$", "a", true, false, false, false },
        { "^ab$c", "ab", true, false, false, false },
        { @"^abc\Z", "abc", true, false, false, false },
        { "abc(?i)def", "abc", false, false, false, false },
        { @"abc\d", "abc", false, false, false, false },
        { @"^a\$", "a$", true, false, false, false },
        // A quantifier makes its character optional or repeatable: the literal stops before it.
        { "ab*", "a", false, false, false, false },
        { "abc?", "ab", false, false, false, false },
        { "^ab+c$", "a", true, false, false, false },
        { "ab{2}", "a", false, false, false, false },
        { @"ab\.?", "ab", false, false, false, false },
        { @"^x\ *y", "x", true, false, false, false },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void Analyze_finds_the_literal_part_of_a_pattern(
        string pattern, string text, bool anchoredStart, bool exact, bool endsAtText, bool wholePattern)
    {
        var literal = RegexLiteral.Analyze(pattern);

        Assert.Equal(new RegexLiteral(text, anchoredStart, exact, endsAtText, wholePattern), literal);
    }

    /// <summary>Patterns whose matches need not contain any fixed text.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("^")]
    [InlineData("^$")]
    [InlineData("a|b")]
    [InlineData("^abc|def")]
    [InlineData("abc|^")]
    [InlineData("(?i)x")]
    [InlineData("(?i)^my model$")]
    [InlineData(@"\d+")]
    [InlineData(".*")]
    [InlineData("[abc]")]
    [InlineData("(abc)")]
    [InlineData("a*")]
    [InlineData("a?bc")]
    [InlineData("a{2}")]
    [InlineData(@"\bword")]
    [InlineData(@"^\w+$")]
    [InlineData(@"\a?")]
    public void Analyze_returns_null_when_no_text_is_required(string pattern)
    {
        Assert.Null(RegexLiteral.Analyze(pattern));
    }

    [Fact]
    public void The_sdk_pattern_for_a_name_is_exact_after_translation_from_python()
    {
        // re.escape("my model-v2 #1") on Python 3.7+.
        var pattern = PythonRegex.Translate(@"^my\ model\-v2\ \#1$");

        var literal = RegexLiteral.Analyze(pattern);

        Assert.NotNull(literal);
        Assert.True(literal.Exact);
        Assert.Equal("my model-v2 #1", literal.Text);
    }

    [Fact]
    public void Python_end_of_string_translates_to_a_pattern_that_ends_at_the_text()
    {
        var literal = RegexLiteral.Analyze(PythonRegex.Translate(@"^abc\Z"));

        Assert.NotNull(literal);
        Assert.True(literal.EndsAtText);
        Assert.False(literal.Exact);
    }

    public static TheoryData<string> SoundnessPatterns => new()
    {
        @"^my\ model$", "^my model$", @"^my\ model\z", "^my", "my", "model", "Model", "del$", "^a.c$", "ab*", "abc?",
        "^ab+c$", @"a\.b", @"^a\$", "abc(?i)def", @"^x\ *y", @"abc\d", "^ab$c", @"\^abc", "o d",
    };

    private static readonly string[] Inputs =
    [
        "", "my model", "my model\n", "my model\n\n", "my model 2", "a my model", "My Model", "my  model", "my\nmodel", "mymodel",
        "model", "Model", "modeldel", "abc", "ac", "abbbc", "aXc", "a.c", "a.b", "a$", "ab", "abcdef", "abcDEF", "abcDef", "ABCdef",
        "x", "xy", "x   y", "xz", "abc1", "abcd", "^abc", "abc", "ab\nc", "zzz my model", "o d", "o  d",
    ];

    /// <summary>
    /// What a store relies on, checked against the .NET regex engine itself: a match always holds
    /// the literal (at the start when anchored), and the exact forms decide a match on their own.
    /// </summary>
    [Theory]
    [MemberData(nameof(SoundnessPatterns))]
    public void The_literal_is_consistent_with_what_the_pattern_matches(string pattern)
    {
        var literal = RegexLiteral.Analyze(pattern);
        Assert.NotNull(literal);

        foreach (var input in Inputs)
        {
            var matches = Regex.IsMatch(input, pattern);
            var because = $"pattern '{Regex.Escape(pattern)}' on '{Regex.Escape(input)}'";
            if (matches)
            {
                Assert.True(input.Contains(literal.Text, StringComparison.Ordinal), because);
            }
            if (matches && literal.AnchoredStart)
            {
                Assert.True(input.StartsWith(literal.Text, StringComparison.Ordinal), because);
            }
            if (literal.Exact)
            {
                Assert.True(matches == (input == literal.Text || input == literal.Text + "\n"), because);
            }
            if (literal.EndsAtText)
            {
                Assert.True(matches == (input == literal.Text), because);
            }
            if (literal.WholePattern)
            {
                Assert.True(matches == input.Contains(literal.Text, StringComparison.Ordinal), because);
            }
        }
    }
}
