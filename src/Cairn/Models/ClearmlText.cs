using System.Text;

namespace Cairn.Models;

/// <summary>
/// The text transformations ClearML's Python SDK applies on the wire, reproduced byte for byte so
/// both SDKs name the same objects: Python's <c>re.escape</c> for exact-name filters and
/// <c>urllib.parse.quote</c> for storage paths.
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

    /// <summary>Python's <c>quote(text, safe)</c>: UTF-8 bytes other than letters, digits, <c>_.-~</c> and <paramref name="safe"/> become <c>%XX</c>.</summary>
    public static string Quote(string text, string safe = "/")
    {
        var quoted = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "_.-~".Contains(c, StringComparison.Ordinal) || safe.Contains(c, StringComparison.Ordinal)))
            {
                quoted.Append(c);
            }
            else
            {
                quoted.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return quoted.ToString();
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
