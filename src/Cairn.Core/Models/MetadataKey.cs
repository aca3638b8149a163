using System.Text;
using Cairn.Core.Errors;

namespace Cairn.Core.Models;

/// <summary>
/// ClearML stores metadata keys (and hyper-parameter names) escaped so that they can be document
/// field names (api.md §3.4): <c>%</c>→<c>%%</c>, <c>.</c>→<c>%2E</c>, <c>$</c>→<c>%24</c>,
/// <c>__</c>→<c>%_%_</c>, a leading <c>_</c>→<c>%_</c>. We store the escaped form too, so query
/// paths like <c>metadata.&lt;key&gt;.value</c> address one key exactly.
/// </summary>
public static class MetadataKey
{
    /// <summary>Strips and escapes a key.</summary>
    /// <exception cref="CairnException">400/12 when the key is empty after stripping.</exception>
    public static string Escape(string key)
    {
        var stripped = key.Trim();
        if (stripped.Length == 0)
        {
            throw CairnException.Validation("metadata keys must not be empty");
        }
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

    /// <summary>
    /// A query, order or projection path under <c>metadata.</c>: each part after the first is
    /// unescaped and escaped again, so both literal and pre-escaped keys address the stored key.
    /// </summary>
    public static string NormalizePath(string path)
    {
        var parts = path.Split('.');
        for (var i = 1; i < parts.Length; i++)
        {
            parts[i] = parts[i].Trim().Length == 0 ? parts[i] : Escape(Unescape(parts[i]));
        }
        return string.Join('.', parts);
    }
}
