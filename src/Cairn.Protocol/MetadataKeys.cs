using System.Text;

namespace Cairn.Protocol;

/// <summary>
/// ClearML's escaping of metadata keys (and hyper-parameter section and names), which lets a key
/// be one document field name (docs/clearml api.md §3.4): the key is stripped, then <c>%</c>→<c>%%</c>,
/// <c>.</c>→<c>%2E</c>, <c>$</c>→<c>%24</c>, <c>__</c>→<c>%_%_</c>, a leading <c>_</c>→<c>%_</c>.
/// Query paths such as <c>metadata.&lt;escaped key&gt;.value</c> address one key exactly.
/// </summary>
public static class MetadataKeys
{
    /// <summary>Strips and escapes <paramref name="key"/>; an empty or blank key gives the empty string.</summary>
    public static string Escape(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
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

    /// <summary>Reverses <see cref="Escape"/>; text that is not an escape sequence is kept as it is.</summary>
    public static string Unescape(string escaped)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        var key = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '%' || i + 1 >= escaped.Length)
            {
                key.Append(escaped[i]);
            }
            else if (escaped[i + 1] == '%')
            {
                key.Append('%');
                i++;
            }
            else if (string.CompareOrdinal(escaped, i, "%2E", 0, 3) == 0)
            {
                key.Append('.');
                i += 2;
            }
            else if (string.CompareOrdinal(escaped, i, "%24", 0, 3) == 0)
            {
                key.Append('$');
                i += 2;
            }
            else if (escaped[i + 1] == '_')
            {
                key.Append('_');
                i++;
            }
            else
            {
                key.Append('%');
            }
        }
        return key.ToString();
    }

    /// <summary>The filter, order or projection path of one key's value: <c>metadata.&lt;escaped key&gt;.value</c>.</summary>
    public static string ValuePath(string key) => "metadata." + Escape(key) + ".value";
}
