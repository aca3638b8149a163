using System.Text;
using System.Text.RegularExpressions;
using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="PythonRegex.Translate"/>: Python regular expressions on .NET's engine (api.md §4.4).</summary>
public sealed class PythonRegexTests
{
    private static bool IsMatch(string pythonPattern, string input) =>
        Regex.IsMatch(input, PythonRegex.Translate(pythonPattern), RegexOptions.None, PythonRegex.MatchTimeout);

    /// <summary>Python 3.7+ <c>re.escape</c>: a backslash before each of these characters.</summary>
    private static string PythonEscape(string text)
    {
        const string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
        var escaped = new StringBuilder();
        foreach (var c in text)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    [Fact]
    public void The_sdk_exact_name_pattern_with_an_escaped_space_matches_only_that_name()
    {
        const string pattern = @"^my\ model$";

        Assert.True(IsMatch(pattern, "my model"));
        Assert.False(IsMatch(pattern, "my model 2"));
        Assert.False(IsMatch(pattern, "a my model"));
        Assert.False(IsMatch(pattern, "my  model"));
    }

    [Fact]
    public void Escaped_dash_and_hash_are_literal_characters()
    {
        const string pattern = @"^run\-1\#2$";

        Assert.True(IsMatch(pattern, "run-1#2"));
        Assert.False(IsMatch(pattern, "run-1"));
    }

    [Theory]
    [InlineData("my model")]
    [InlineData("train-v2 #3")]
    [InlineData("model (final) [best] {1}")]
    [InlineData("a.b*c+d?e|f^g$h")]
    [InlineData("x&y~z")]
    [InlineData(@"C:\models\latest")]
    [InlineData("tab\there")]
    [InlineData("two\nlines")]
    [InlineData("ünïcödé ☃")]
    public void Any_name_escaped_by_python_re_escape_matches_itself_exactly(string name)
    {
        var pattern = "^" + PythonEscape(name) + "$";

        Assert.True(IsMatch(pattern, name));
        Assert.False(IsMatch(pattern, name + "x"));
        Assert.False(IsMatch(pattern, "x" + name));
    }

    [Fact]
    public void A_pattern_without_python_only_syntax_is_returned_unchanged()
    {
        const string pattern = @"^(abc|d\.e)[0-9]+\s*$";

        Assert.Equal(pattern, PythonRegex.Translate(pattern));
    }

    [Fact]
    public void A_named_group_is_translated_and_captures_under_its_name()
    {
        var translated = PythonRegex.Translate(@"^(?P<stage>[a-z]+)-\d+$");

        Assert.Equal(@"^(?<stage>[a-z]+)-\d+$", translated);
        Assert.Equal("train", Regex.Match("train-42", translated, RegexOptions.None, PythonRegex.MatchTimeout).Groups["stage"].Value);
    }

    [Fact]
    public void A_named_backreference_matches_what_the_group_captured()
    {
        const string pattern = @"^(?P<year>\d{4})-(?P=year)$";

        Assert.Equal(@"^(?<year>\d{4})-\k<year>$", PythonRegex.Translate(pattern));
        Assert.True(IsMatch(pattern, "2024-2024"));
        Assert.False(IsMatch(pattern, "2024-2025"));
    }

    [Fact]
    public void Backslash_Z_is_the_very_end_of_the_string()
    {
        // .NET's \Z also matches before a final newline; Python's does not.
        Assert.Equal(@"model\z", PythonRegex.Translate(@"model\Z"));
        Assert.True(IsMatch(@"model\Z", "my model"));
        Assert.False(IsMatch(@"model\Z", "my model\n"));
    }

    [Fact]
    public void An_escaped_backslash_before_Z_stays_a_literal_backslash_and_Z()
    {
        const string pattern = @"^a\\Z$";

        Assert.Equal(pattern, PythonRegex.Translate(pattern));
        Assert.True(IsMatch(pattern, @"a\Z"));
    }

    [Theory]
    [InlineData("(")]
    [InlineData("[a-")]
    [InlineData("a)")]
    [InlineData("*a")]
    [InlineData("a{2,1}")]
    [InlineData(@"trailing\")]
    [InlineData("(?P=name")]
    [InlineData("(?P<name>a)(?P=other)")]
    public void An_invalid_pattern_is_400_21(string pattern)
    {
        var error = Assert.Throws<CairnException>(() => PythonRegex.Translate(pattern));

        Assert.Equal((400, 21), (error.Error.Code, error.Error.Subcode));
        Assert.Equal(pattern, error.ErrorData["regex"]);
    }
}
