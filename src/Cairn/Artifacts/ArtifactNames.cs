using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Artifacts;

/// <summary>ClearML's spelling of artifact names and file names inside an upload path.</summary>
internal static class ArtifactNames
{
    private const string Escaped = "#\"';?:@&=+$,%!\r\n";

    private const int MaxSegmentLength = 250;

    /// <summary>
    /// <c>/</c> becomes <c>.slash.</c> and each of <c>#"';?:@&amp;=+$,%!</c> and line breaks becomes
    /// <c>0xHH</c>, so a name is one path segment that needs no quoting; a segment longer than 250
    /// characters keeps its start and an md5 of the whole.
    /// </summary>
    public static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c == '/')
            {
                text.Append(".slash.");
            }
            else if (Escaped.Contains(c, StringComparison.Ordinal))
            {
                text.Append("0x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }
        var result = text.ToString();
        if (result.Length <= MaxSegmentLength)
        {
            return result;
        }
        var hash = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(result)));
        return result[..(MaxSegmentLength - hash.Length - 1)] + "." + hash;
    }

    /// <summary>A content type from the file extension, as Python's <c>mimetypes</c> would guess the common ones.</summary>
    public static string ContentType(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".txt" => "text/plain",
        ".csv" => "text/csv",
        ".gz" => "application/gzip",
        ".zip" => "application/zip",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".yaml" or ".yml" => "application/yaml",
        ".html" or ".htm" => "text/html",
        ".pkl" => "application/pickle",
        _ => "application/octet-stream",
    };
}
