using System.Globalization;
using System.Text;
using Cairn.Core.Errors;

namespace Cairn.Store.Postgres;

/// <summary>
/// Translates the patterns of name filters into PostgreSQL's regular expressions (ARE, the
/// <c>~</c> operator). Patterns reach the store in .NET syntax (<c>PythonRegex.Translate</c> of
/// the client's Python pattern, or <c>Regex.Escape</c> of a search text), and the SQLite store
/// evaluates them with .NET's engine; PostgreSQL's engine differs in places, so this rewrites
/// what has a faithful ARE spelling and refuses (400, naming the pattern) what has not, rather
/// than return other rows than SQLite would:
/// <list type="bullet">
/// <item><c>.</c> does not match a newline in .NET (without <c>(?s)</c>); in ARE it does: <c>[^\n]</c>.</item>
/// <item><c>$</c> matches at the end or before a final newline in .NET; in ARE only at the end: <c>(?=\n?\Z)</c>.</item>
/// <item><c>\b</c>/<c>\B</c> are word boundaries in .NET, backspace/escape in ARE: <c>\y</c>/<c>\Y</c>; .NET's <c>\z</c> is ARE's <c>\Z</c>.</item>
/// <item><c>\xhh</c> takes two hex digits in .NET and every following hex digit in ARE: <c>\u00hh</c>.</item>
/// <item>named groups become plain groups; comments are dropped.</item>
/// <item>refused: back-references, atomic groups, conditionals, Unicode categories (<c>\p</c>),
/// inline options other than a leading <c>(?i)</c>/<c>(?s)</c> and a <c>(?i)</c> or <c>(?i:…)</c> within,
/// character-class subtraction, POSIX classes, <c>\D</c>/<c>\W</c>/<c>\S</c> inside a class, and counts
/// above 255 (ARE's limit).</item>
/// <item>case-insensitive: ARE folds case by the database's <c>LC_CTYPE</c> (ASCII only in the C
/// locale), .NET by Unicode's case mappings (é/É, k/K/K the Kelvin sign): each letter is written
/// as the bracket of every character .NET treats as the same letter. A <c>(?i)</c> after the start
/// applies to the rest of its group, as in .NET; a range in a class it covers is refused unless
/// the whole pattern is case-insensitive and the range is ASCII.</item>
/// </list>
/// Character classes (<c>\d</c>, <c>\w</c>, <c>\s</c>) agree on ASCII; beyond it PostgreSQL classifies
/// by the database's <c>LC_CTYPE</c>.
/// </summary>
public static class PostgresRegex
{
    /// <summary>ARE's largest repetition count (RE_DUP_MAX).</summary>
    private const int MaxCount = 255;

    private static readonly Lazy<Dictionary<char, string>> Equivalents = new(BuildEquivalents);

    /// <summary>
    /// The characters .NET's case-insensitive matching treats as <paramref name="c"/> (itself
    /// included), or null when it has no other: the classes of Unicode's simple case mappings,
    /// without the Turkish dotted and dotless i, which .NET joins to i only in Turkish cultures.
    /// </summary>
    internal static string? CaseEquivalents(char c) => Equivalents.Value.GetValueOrDefault(c);

    private static Dictionary<char, string> BuildEquivalents()
    {
        var parent = new Dictionary<char, char>();
        char Find(char c)
        {
            while (parent.TryGetValue(c, out var p) && p != c)
            {
                c = p;
            }
            return c;
        }
        for (var code = 0; code <= char.MaxValue; code++)
        {
            var c = (char)code;
            if (char.IsSurrogate(c) || c is '\u0130' or '\u0131')
            {
                continue;
            }
            foreach (var other in new[] { char.ToLowerInvariant(c), char.ToUpperInvariant(c) })
            {
                if (other != c && other is not ('\u0130' or '\u0131'))
                {
                    var (a, b) = (Find(c), Find(other));
                    if (a != b)
                    {
                        parent[a] = b;
                    }
                    parent.TryAdd(b, b);
                }
            }
        }
        var groups = parent.Keys.GroupBy(Find).Where(g => g.Count() > 1);
        var equivalents = new Dictionary<char, string>();
        foreach (var group in groups)
        {
            var members = new string(group.Order().ToArray());
            foreach (var c in group)
            {
                equivalents[c] = members;
            }
        }
        return equivalents;
    }

    /// <summary>Translates a .NET-syntax pattern into an ARE with the same matches.</summary>
    /// <param name="pattern">The pattern, in the .NET syntax the query carries.</param>
    /// <param name="ignoreCase">Match case-insensitively (search text), as a leading <c>(?i)</c>.</param>
    /// <exception cref="CairnException">400/21 naming the pattern, when it uses a construct PostgreSQL cannot evaluate with the same meaning.</exception>
    public static string Translate(string pattern, bool ignoreCase = false) =>
        new Translator(pattern, ignoreCase).Run();

    private sealed class Translator(string pattern, bool ignoreCase)
    {
        private readonly StringBuilder _out = new(pattern.Length + 8);
        private int _i;
        private bool _singleLine;

        /// <summary>Whether the text being read matches case-insensitively (a <c>(?i)</c> in force).</summary>
        private bool _caseless;

        /// <summary>Whether the ARE starts with <c>(?i)</c>, so ARE itself folds ASCII everywhere.</summary>
        private bool _areCaseless;

        /// <summary>The case-insensitivity in force outside each open group, restored at its <c>)</c>.</summary>
        private readonly Stack<bool> _scopes = new();

        /// <summary>Whether the last thing written can take a quantifier (not a lookaround or an anchor).</summary>
        private bool _quantifiable;

        public string Run()
        {
            if (pattern.Contains('\0', StringComparison.Ordinal))
            {
                throw Refuse("a NUL character");
            }
            ReadLeadingOptions();
            if (ignoreCase)
            {
                _out.Insert(0, "(?i)");
            }
            _areCaseless = _caseless = _out.ToString().StartsWith("(?i)", StringComparison.Ordinal);
            while (_i < pattern.Length)
            {
                var c = pattern[_i];
                switch (c)
                {
                    case '\\':
                        Escape();
                        break;
                    case '[':
                        CharacterClass();
                        break;
                    case '(':
                        Group();
                        break;
                    case ')':
                        _out.Append(')');
                        _i++;
                        _quantifiable = true;
                        if (_scopes.Count > 0)
                        {
                            _caseless = _scopes.Pop();
                        }
                        break;
                    case '.':
                        _out.Append(_singleLine ? "." : @"[^\n]");
                        _i++;
                        _quantifiable = true;
                        break;
                    case '$':
                        _out.Append(@"(?=\n?\Z)");
                        _i++;
                        _quantifiable = false;
                        break;
                    case '^':
                    case '|':
                        _out.Append(c);
                        _i++;
                        _quantifiable = false;
                        break;
                    case '*':
                    case '+':
                    case '?':
                        Quantifier(c.ToString());
                        break;
                    case '{':
                        Brace();
                        break;
                    case ']':
                    case '}':
                        // Literal in .NET outside a class; escaped so ARE reads them literally too.
                        _out.Append('\\').Append(c);
                        _i++;
                        _quantifiable = true;
                        break;
                    default:
                        Literal(c, inClass: false);
                        _i++;
                        _quantifiable = true;
                        break;
                }
            }
            return _out.ToString();
        }

        /// <summary>A literal character: under a <c>(?i)</c>, the bracket of its .NET case equivalents.</summary>
        private void Literal(char c, bool inClass)
        {
            if (!_caseless || CaseEquivalents(c) is not { } equivalents)
            {
                _out.Append(c);
                return;
            }
            if (inClass)
            {
                _out.Append(equivalents);
            }
            else
            {
                _out.Append('[').Append(equivalents).Append(']');
            }
        }

        /// <summary>Leading <c>(?i)</c>, <c>(?s)</c> or both: ARE takes options only at its very start.</summary>
        private void ReadLeadingOptions()
        {
            var caseless = ignoreCase;
            while (_i + 2 < pattern.Length && pattern[_i] == '(' && pattern[_i + 1] == '?')
            {
                var end = _i + 2;
                while (end < pattern.Length && pattern[end] is 'i' or 's')
                {
                    end++;
                }
                if (end == _i + 2 || end >= pattern.Length || pattern[end] != ')')
                {
                    break;
                }
                foreach (var option in pattern.AsSpan(_i + 2, end - _i - 2))
                {
                    caseless |= option == 'i';
                    _singleLine |= option == 's';
                }
                _i = end + 1;
            }
            if (caseless && !ignoreCase)
            {
                _out.Append("(?i)");
            }
        }

        private void Escape()
        {
            if (_i + 1 >= pattern.Length)
            {
                throw Invalid("illegal \\ at end of pattern");
            }
            var next = pattern[_i + 1];
            _i += 2;
            _quantifiable = true;
            switch (next)
            {
                case 'b':
                    _out.Append(@"\y");
                    _quantifiable = false;
                    return;
                case 'B':
                    _out.Append(@"\Y");
                    _quantifiable = false;
                    return;
                case 'A':
                    _out.Append(@"\A");
                    _quantifiable = false;
                    return;
                case 'z':
                    _out.Append(@"\Z");
                    _quantifiable = false;
                    return;
                case 'Z':
                    _out.Append(@"(?=\n?\Z)");
                    _quantifiable = false;
                    return;
                case 'd' or 'D' or 'w' or 'W' or 's' or 'S' or 'n' or 't' or 'r' or 'f' or 'v' or 'a':
                    _out.Append('\\').Append(next);
                    return;
                case 'e':
                    _out.Append(@"\u001b");
                    return;
                case 'x':
                    _out.Append(@"\u00").Append(HexDigits(2));
                    return;
                case 'u':
                    _out.Append(@"\u").Append(HexDigits(4));
                    return;
                case >= '0' and <= '9' or 'k':
                    throw Refuse("a back-reference");
                case 'p' or 'P':
                    throw Refuse("a Unicode category (\\p)");
                default:
                    if (char.IsAsciiLetterOrDigit(next))
                    {
                        throw Refuse($"the escape \\{next}");
                    }
                    // An escaped punctuation or space is that character, in both engines.
                    _out.Append('\\').Append(next);
                    return;
            }
        }

        private string HexDigits(int count)
        {
            if (_i + count > pattern.Length || pattern.AsSpan(_i, count).ContainsAnyExcept("0123456789abcdefABCDEF"))
            {
                throw Invalid("incomplete hexadecimal escape");
            }
            var digits = pattern.Substring(_i, count);
            _i += count;
            return digits;
        }

        private void CharacterClass()
        {
            _out.Append('[');
            _i++;
            if (_i < pattern.Length && pattern[_i] == '^')
            {
                _out.Append('^');
                _i++;
            }
            var first = true;
            while (true)
            {
                if (_i >= pattern.Length)
                {
                    throw Invalid("unterminated character set");
                }
                var c = pattern[_i];
                if (c == ']' && !first)
                {
                    _out.Append(']');
                    _i++;
                    break;
                }
                first = false;
                if (c == '\\')
                {
                    ClassEscape();
                }
                else if (c == '[')
                {
                    if (_i + 1 < pattern.Length && pattern[_i + 1] is ':' or '=' or '.')
                    {
                        throw Refuse("a POSIX class inside a character class");
                    }
                    _out.Append(@"\[");
                    _i++;
                }
                else if (c == '-' && _i + 1 < pattern.Length && pattern[_i + 1] == '[')
                {
                    throw Refuse("character-class subtraction");
                }
                else if (c == ']')
                {
                    // A ']' first in the class is literal in both engines; escaped for clarity.
                    _out.Append(@"\]");
                    _i++;
                }
                else
                {
                    var inRange = (_i + 2 < pattern.Length && pattern[_i + 1] == '-' && pattern[_i + 2] != ']')
                        || (pattern[_i - 1] == '-' && _i >= 2 && pattern[_i - 2] != '[');
                    if (_caseless && inRange && CaseEquivalents(c) is not null && (!_areCaseless || !char.IsAscii(c)))
                    {
                        throw Refuse("a range of letters in a character class under a (?i) that ARE cannot fold the same way");
                    }
                    if (inRange)
                    {
                        _out.Append(c);
                    }
                    else
                    {
                        Literal(c, inClass: true);
                    }
                    _i++;
                }
            }
            _quantifiable = true;
        }

        private void ClassEscape()
        {
            if (_i + 1 >= pattern.Length)
            {
                throw Invalid("unterminated character set");
            }
            var next = pattern[_i + 1];
            _i += 2;
            switch (next)
            {
                case 'd' or 'w' or 's' or 'n' or 't' or 'r' or 'f' or 'v' or 'a' or 'b':
                    // In a class, .NET's \b is backspace, as ARE's is.
                    _out.Append('\\').Append(next);
                    return;
                case 'D' or 'W' or 'S':
                    throw Refuse($"\\{next} inside a character class");
                case 'e':
                    _out.Append(@"\u001b");
                    return;
                case 'x':
                    _out.Append(@"\u00").Append(HexDigits(2));
                    return;
                case 'u':
                    _out.Append(@"\u").Append(HexDigits(4));
                    return;
                case 'p' or 'P':
                    throw Refuse("a Unicode category (\\p)");
                default:
                    if (char.IsAsciiLetterOrDigit(next))
                    {
                        throw Refuse($"the escape \\{next}");
                    }
                    _out.Append('\\').Append(next);
                    return;
            }
        }

        private void Group()
        {
            _quantifiable = false;
            if (_i + 1 >= pattern.Length || pattern[_i + 1] != '?')
            {
                _out.Append('(');
                _i++;
                _scopes.Push(_caseless);
                return;
            }
            var rest = pattern.AsSpan(_i);
            if (rest.StartsWith("(?i)"))
            {
                // Case-insensitive from here to the end of the enclosing group, as in .NET.
                _caseless = true;
                _i += 4;
            }
            else if (rest.StartsWith("(?i:"))
            {
                _out.Append("(?:");
                _i += 4;
                _scopes.Push(_caseless);
                _caseless = true;
            }
            else if (rest.StartsWith("(?:") || rest.StartsWith("(?=") || rest.StartsWith("(?!"))
            {
                _out.Append(rest[..3]);
                _i += 3;
                _scopes.Push(_caseless);
            }
            else if (rest.StartsWith("(?<=") || rest.StartsWith("(?<!"))
            {
                _out.Append(rest[..4]);
                _i += 4;
                _scopes.Push(_caseless);
            }
            else if (rest.StartsWith("(?<") || rest.StartsWith("(?'"))
            {
                // A named group: the name only matters to back-references, which are refused.
                var close = rest[2] == '<' ? '>' : '\'';
                var end = pattern.IndexOf(close, _i + 3);
                if (end < 0)
                {
                    throw Invalid("unterminated group name");
                }
                _out.Append('(');
                _i = end + 1;
                _scopes.Push(_caseless);
            }
            else if (rest.StartsWith("(?#"))
            {
                var end = pattern.IndexOf(')', _i);
                if (end < 0)
                {
                    throw Invalid("missing ), unterminated comment");
                }
                _i = end + 1;
            }
            else if (rest.StartsWith("(?>"))
            {
                throw Refuse("an atomic group");
            }
            else if (rest.StartsWith("(?("))
            {
                throw Refuse("a conditional group");
            }
            else
            {
                throw Refuse("inline options other than a leading (?i) or (?s), or a (?i) within");
            }
        }

        private void Quantifier(string quantifier)
        {
            if (!_quantifiable)
            {
                throw Invalid("nothing to repeat");
            }
            _out.Append(quantifier);
            _i += quantifier.Length;
            if (_i < pattern.Length && pattern[_i] == '?')
            {
                // Lazy or greedy, a match exists for the same strings: the filter only asks whether one does.
                _out.Append('?');
                _i++;
            }
            if (_i < pattern.Length && pattern[_i] is '*' or '+' or '?' || (_i < pattern.Length && pattern[_i] == '{' && IsCount(_i, out _, out _)))
            {
                throw Invalid("multiple repeat");
            }
            _quantifiable = false;
        }

        private void Brace()
        {
            if (!IsCount(_i, out var length, out var counts))
            {
                // Not a count: a literal brace in .NET.
                _out.Append(@"\{");
                _i++;
                _quantifiable = true;
                return;
            }
            if (counts.Any(n => n > MaxCount))
            {
                throw Refuse($"a repetition count above {MaxCount}");
            }
            Quantifier(pattern.Substring(_i, length));
        }

        /// <summary>Whether <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> starts at <paramref name="at"/>.</summary>
        private bool IsCount(int at, out int length, out List<long> counts)
        {
            length = 0;
            counts = [];
            var end = pattern.IndexOf('}', at);
            if (end < 0)
            {
                return false;
            }
            var body = pattern.AsSpan(at + 1, end - at - 1);
            var comma = body.IndexOf(',');
            var low = comma < 0 ? body : body[..comma];
            var high = comma < 0 ? [] : body[(comma + 1)..];
            if (low.Length == 0 || !IsDigits(low) || (high.Length > 0 && !IsDigits(high)))
            {
                return false;
            }
            counts.Add(ParseCount(low));
            if (high.Length > 0)
            {
                counts.Add(ParseCount(high));
            }
            length = end - at + 1;
            return true;
        }

        private static bool IsDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

        private static long ParseCount(ReadOnlySpan<char> digits) =>
            digits.Length > 9 ? long.MaxValue : long.Parse(digits, CultureInfo.InvariantCulture);

        private CairnException Refuse(string construct) =>
            Invalid($"the pattern uses {construct}, which the PostgreSQL store cannot evaluate with the same meaning; rewrite the pattern without it");

        private CairnException Invalid(string reason) =>
            new(ErrorCodes.InvalidRegex, reason, new Dictionary<string, object?> { ["regex"] = pattern });
    }
}
