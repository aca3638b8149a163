namespace Cairn.Server.Files;

/// <summary>
/// A file-server path: relative to the storage root, '/'-separated, as the client named it.
/// Parsing refuses everything that could reach outside the root or alias another path.
/// </summary>
public static class FilePath
{
    /// <summary>The folder under the storage root that holds uploads in flight; no client path may enter it.</summary>
    public const string UploadsFolder = ".cairn-uploads";

    /// <summary>
    /// Strips one leading '/' (the SDK sends "/project/task.id/models/model.pt") and checks the
    /// rest; returns the relative path, or null with the reason it is refused.
    /// </summary>
    public static string? ParseOrNull(string raw, out string? problem)
    {
        var path = raw.StartsWith('/') ? raw[1..] : raw;
        problem = Check(path);
        return problem is null ? path : null;
    }

    private static string? Check(string path)
    {
        if (path.Length == 0)
        {
            return "the path is empty";
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "the path contains a NUL character";
        }
        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return "the path contains a backslash; use '/' between folders";
        }
        if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
        {
            return "the path is absolute; give it relative to the file server's root";
        }
        if (path.Any(char.IsControl))
        {
            return "the path contains a control character";
        }
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            // Empty and "." segments would let two spellings name one file; ".." climbs out of the root.
            if (segment is "" or "." or "..")
            {
                return segment.Length == 0
                    ? "the path has an empty folder name ('//' or a trailing '/')"
                    : $"the path contains a '{segment}' folder";
            }
        }
        if (segments[0] == UploadsFolder)
        {
            return $"'{UploadsFolder}' is reserved for uploads in progress";
        }
        return null;
    }
}
