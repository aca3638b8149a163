using System.Text;
using System.Text.RegularExpressions;
using Cairn.Core.Errors;

namespace Cairn.Core.Querying;

/// <summary>
/// ClearML clients send Python regular expressions (the SDK sends <c>"^" + re.escape(name) + "$"</c>).
/// .NET's engine accepts almost all of that syntax, including escaped punctuation such as
/// <c>\ </c> and <c>\-</c>; this translates the few constructs that differ and validates the result.
/// </summary>
public static class PythonRegex
{
    /// <summary>How long one match may run before it is abandoned (guards against catastrophic backtracking).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Translates a Python pattern to .NET syntax and checks that it compiles.</summary>
    /// <exception cref="CairnException">400/21 when the pattern is not a valid regular expression.</exception>
    public static string Translate(string pattern)
    {
        var translated = new StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[i + 1];
                // Python's \Z is "end of string", which .NET spells \z.
                translated.Append(next == 'Z' ? @"\z" : $"\\{next}");
                i++;
            }
            else if (c == '(' && string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0)
            {
                translated.Append("(?<");
                i += 3;
            }
            else if (c == '(' && string.CompareOrdinal(pattern, i, "(?P=", 0, 4) == 0)
            {
                var end = pattern.IndexOf(')', i);
                if (end < 0)
                {
                    throw Invalid(pattern, "missing ), unterminated name");
                }
                translated.Append(@"\k<").Append(pattern, i + 4, end - i - 4).Append('>');
                i = end;
            }
            else
            {
                translated.Append(c);
            }
        }

        var result = translated.ToString();
        try
        {
            _ = new Regex(result, RegexOptions.None, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw Invalid(pattern, e.Message);
        }
        return result;
    }

    private static CairnException Invalid(string pattern, string reason) =>
        new(ErrorCodes.InvalidRegex, reason, new Dictionary<string, object?> { ["regex"] = pattern });
}
