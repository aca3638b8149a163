namespace Cairn.Core.Querying;

/// <summary>
/// The literal text a regular expression requires, so a store can answer it with an index or a
/// substring search instead of running the regex on every row. The SDK's exact-name lookups
/// (<c>^my\ model$</c>) become an equality on an indexed column.
/// </summary>
/// <param name="Text">Text every match contains (at the start when <see cref="AnchoredStart"/>).</param>
/// <param name="AnchoredStart">The pattern starts with <c>^</c>, so matches start with <see cref="Text"/>.</param>
/// <param name="Exact">The pattern is exactly <c>^text$</c>: it matches <see cref="Text"/>, optionally followed by one "\n".</param>
/// <param name="EndsAtText">The pattern is exactly <c>^text\z</c>: it matches only <see cref="Text"/> itself.</param>
/// <param name="WholePattern">The pattern is nothing but <see cref="Text"/>, unanchored: a substring test decides it.</param>
public sealed record RegexLiteral(string Text, bool AnchoredStart, bool Exact, bool EndsAtText, bool WholePattern)
{
    /// <summary>Analyzes a pattern in .NET syntax; null when it has no usable literal part.</summary>
    public static RegexLiteral? Analyze(string pattern)
    {
        // Alternation anywhere could make the literal optional; keep to the safe cases.
        if (HasUnescaped(pattern, '|'))
        {
            return null;
        }
        var i = 0;
        var anchored = false;
        if (pattern.StartsWith('^'))
        {
            anchored = true;
            i = 1;
        }
        else if (pattern.StartsWith(@"\A", StringComparison.Ordinal))
        {
            anchored = true;
            i = 2;
        }

        var text = new System.Text.StringBuilder();
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]) && pattern[i + 1] != '_')
            {
                if (IsQuantifier(pattern, i + 2))
                {
                    break;
                }
                text.Append(pattern[i + 1]);
                i += 2;
                continue;
            }
            if (c is '\\' or '.' or '[' or ']' or '(' or ')' or '{' or '}' or '*' or '+' or '?' or '^' or '$')
            {
                break;
            }
            if (IsQuantifier(pattern, i + 1))
            {
                // The quantifier may make this character optional; for an astral character (a
                // surrogate pair) that is the whole pair, whose first half is already taken.
                if (char.IsLowSurrogate(c) && text.Length > 0 && char.IsHighSurrogate(text[^1]))
                {
                    text.Length--;
                }
                break;
            }
            text.Append(c);
            i++;
        }

        if (text.Length == 0)
        {
            return null;
        }
        var rest = pattern[i..];
        var exact = anchored && rest == "$";
        var endsAtText = anchored && rest == @"\z";
        var whole = !anchored && rest.Length == 0;
        return new RegexLiteral(text.ToString(), anchored, exact, endsAtText, whole);
    }

    private static bool IsQuantifier(string pattern, int index) =>
        index < pattern.Length && pattern[index] is '*' or '+' or '?' or '{';

    private static bool HasUnescaped(string pattern, char special)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == special)
            {
                return true;
            }
        }
        return false;
    }
}
