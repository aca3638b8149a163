using Cairn.Core.Errors;
using Cairn.Protocol;

namespace Cairn.Core.Models;

/// <summary>
/// The server's side of <see cref="MetadataKeys"/> (where the wire rule itself lives): ClearML
/// stores metadata keys (and hyper-parameter names) escaped so that they can be document field names (api.md §3.4): <c>%</c>→<c>%%</c>, <c>.</c>→<c>%2E</c>, <c>$</c>→<c>%24</c>,
/// <c>__</c>→<c>%_%_</c>, a leading <c>_</c>→<c>%_</c>. We store the escaped form too, so query
/// paths like <c>metadata.&lt;key&gt;.value</c> address one key exactly.
/// </summary>
public static class MetadataKey
{
    /// <summary>Strips and escapes a key (<see cref="MetadataKeys.Escape"/>), refusing an empty one.</summary>
    /// <exception cref="CairnException">400/12 when the key is empty after stripping.</exception>
    public static string Escape(string key)
    {
        var escaped = MetadataKeys.Escape(key);
        if (escaped.Length == 0)
        {
            throw CairnException.Validation("metadata keys must not be empty");
        }
        return escaped;
    }

    /// <summary>Reverses <see cref="Escape"/>; text that is not an escape sequence is kept as it is.</summary>
    public static string Unescape(string escaped) => MetadataKeys.Unescape(escaped);

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
