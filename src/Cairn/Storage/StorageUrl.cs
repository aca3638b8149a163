using System.Text;

namespace Cairn.Storage;

/// <summary>
/// ClearML's URL spelling: http(s) URLs are stored with their path percent-quoted
/// (<c>quote_url</c>: everything but letters, digits, <c>_.-~</c> and <c>/</c>); local paths become <c>file://</c> URLs.
/// </summary>
public static class StorageUrl
{
    /// <summary>Characters ClearML leaves as they are in project and task names inside an upload path.</summary>
    private const string NameSafe = "'[]{}()$^,.; -_+=/";

    /// <summary>Quotes an http(s) URL's path as ClearML stores it (spaces → <c>%20</c>); other URLs are returned unchanged.</summary>
    public static string Quote(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!TrySplitHttp(url, out var origin, out var path, out var rest))
        {
            return url;
        }
        return origin + Escape(path, "/") + rest;
    }

    /// <summary>Undoes percent-quoting (<c>%20</c> → space); text that is not quoted is returned as is.</summary>
    public static string Unquote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(text) : text;
    }

    /// <summary>
    /// Quotes a project or task name for an upload path as ClearML does: everything but letters,
    /// digits and <c>'[]{}()$^,.; -_+=/~</c> becomes <c>%XX</c> (spaces are kept here; <see cref="Quote"/> encodes them later).
    /// </summary>
    public static string QuoteName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Escape(name, NameSafe);
    }

    /// <summary>
    /// The URL for <paramref name="location"/>: an absolute URL as given, or a local path
    /// (absolute or relative to the current folder) as a <c>file://</c> URL.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty.</exception>
    public static Uri ToUri(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (location.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(location, UriKind.Absolute, out var url))
        {
            return url;
        }
        return new Uri(Path.GetFullPath(location));
    }

    /// <summary>The decoded last path segment of a URL (the file name).</summary>
    public static string FileName(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.IsFile ? url.LocalPath : Unquote(url.AbsolutePath);
        return path.TrimEnd('/', '\\').Split('/', '\\')[^1];
    }

    private static bool TrySplitHttp(string url, out string origin, out string path, out string rest)
    {
        origin = path = rest = "";
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }
        var scheme = url[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var pathStart = url.IndexOf('/', schemeEnd + 3);
        if (pathStart < 0)
        {
            origin = url;
            return true;
        }
        var pathEnd = url.IndexOfAny(['?', '#'], pathStart);
        origin = url[..pathStart];
        path = pathEnd < 0 ? url[pathStart..] : url[pathStart..pathEnd];
        rest = pathEnd < 0 ? "" : url[pathEnd..];
        return true;
    }

    /// <summary>Python's <c>urllib.parse.quote(text, safe)</c>: UTF-8 bytes outside the unreserved and safe sets become <c>%XX</c>.</summary>
    private static string Escape(string text, string safe)
    {
        var result = new StringBuilder(text.Length);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || "_.-~".Contains((char)rune.Value, StringComparison.Ordinal) || safe.Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                result.Append((char)rune.Value);
                continue;
            }
            var count = rune.EncodeToUtf8(bytes);
            foreach (var b in bytes[..count])
            {
                result.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return result.ToString();
    }
}
