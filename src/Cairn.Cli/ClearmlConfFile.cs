using System.Text;

namespace Cairn.Cli;

/// <summary>
/// Writes the <c>api { … }</c> block of a clearml.conf. The block <c>cairn login</c> writes sits
/// between two marker comments and is replaced in place on the next login; a file without the
/// markers keeps everything it has and gets the block appended. HOCON merges a repeated object
/// key with the later one winning, so the appended block overrides an older <c>api</c> block for
/// the keys it sets, for the ClearML SDK and for Cairn's alike.
/// </summary>
internal static class ClearmlConfFile
{
    public const string Begin = "# >>> cairn login (this block is rewritten by `cairn login`) >>>";
    public const string End = "# <<< cairn login <<<";

    public static string DefaultPath() =>
        Environment.GetEnvironmentVariable("CLEARML_CONFIG_FILE") is { Length: > 0 } named
            ? named
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "clearml.conf");

    public static string Block(Uri apiHost, Uri? webHost, Uri? filesHost, string accessKey, string secretKey)
    {
        var text = new StringBuilder();
        text.Append(Begin).Append('\n');
        text.Append("api {\n");
        text.Append("    api_server: ").Append(Quote(Trim(apiHost))).Append('\n');
        if (webHost is not null)
        {
            text.Append("    web_server: ").Append(Quote(Trim(webHost))).Append('\n');
        }
        if (filesHost is not null)
        {
            text.Append("    files_server: ").Append(Quote(Trim(filesHost))).Append('\n');
        }
        text.Append("    credentials {\n");
        text.Append("        \"access_key\" = ").Append(Quote(accessKey)).Append('\n');
        text.Append("        \"secret_key\" = ").Append(Quote(secretKey)).Append('\n');
        text.Append("    }\n");
        text.Append("}\n");
        text.Append(End).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes <paramref name="block"/> into the file at <paramref name="path"/> (made readable by its owner only), replacing an earlier one.</summary>
    public static void Write(string path, string block)
    {
        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        string content;
        var begin = existing.IndexOf(Begin, StringComparison.Ordinal);
        var end = begin < 0 ? -1 : existing.IndexOf(End, begin, StringComparison.Ordinal);
        if (begin >= 0 && end > begin)
        {
            var after = end + End.Length;
            if (after < existing.Length && existing[after] == '\n')
            {
                after++;
            }
            content = existing[..begin] + block + existing[after..];
        }
        else
        {
            content = existing.Length == 0 || existing.EndsWith('\n') ? existing + block : existing + "\n" + block;
        }
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        // The secret key is in it: a temporary file owned by the user alone, renamed into place.
        var temp = path + ".cairn-tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(content);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static string Trim(Uri uri) => uri.ToString().TrimEnd('/');

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
