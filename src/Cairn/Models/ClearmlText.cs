using System.Text;

namespace Cairn.Models;

/// <summary>
/// The text transformations ClearML's Python SDK applies on the wire, reproduced byte for byte so
/// both SDKs send the same filters: Python's <c>re.escape</c> for exact-name filters and the
/// server's metadata key escaping.
/// </summary>
internal static class ClearmlText
{
    // Python 3.7+ re.escape escapes exactly these characters.
    private const string RegexSpecial = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";

    /// <summary>The anchored, escaped regex the SDK sends to match one name exactly (<c>^a\-b$</c>).</summary>
    public static string ExactNameRegex(string name)
    {
        var escaped = new StringBuilder(name.Length + 8).Append('^');
        foreach (var c in name)
        {
            if (RegexSpecial.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.Append('$').ToString();
    }
}
