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

    /// <summary>
    /// ClearML's metadata key escaping (api.md §3.4), needed to address one key in a
    /// <c>metadata.&lt;key&gt;.value</c> query path when the key holds a dot.
    /// </summary>
    public static string EscapeMetadataKey(string key)
    {
        var stripped = key.Trim();
        var escaped = new StringBuilder(stripped.Length + 4);
        for (var i = 0; i < stripped.Length; i++)
        {
            var c = stripped[i];
            switch (c)
            {
                case '%':
                    escaped.Append("%%");
                    break;
                case '.':
                    escaped.Append("%2E");
                    break;
                case '$':
                    escaped.Append("%24");
                    break;
                case '_' when i + 1 < stripped.Length && stripped[i + 1] == '_':
                    escaped.Append("%_%_");
                    i++;
                    break;
                case '_' when i == 0:
                    escaped.Append("%_");
                    break;
                default:
                    escaped.Append(c);
                    break;
            }
        }
        return escaped.ToString();
    }
}
