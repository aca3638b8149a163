namespace Cairn.Models;

/// <summary>
/// Where ClearML's SDK puts a model's weights file:
/// <c>&lt;destination&gt;/&lt;project&gt;/&lt;experiment name&gt;.&lt;experiment id&gt;/models/&lt;file&gt;</c>,
/// quoted as it quotes them (sdk.md §6.3), so both SDKs write the same objects.
/// </summary>
internal static class ModelDestination
{
    // Characters ClearML leaves unquoted in the project and task folder names.
    private const string FolderSafe = "'[]{}()$^,.; -_+=/";

    /// <summary>The weights URL for <paramref name="fileName"/> of experiment <paramref name="experimentId"/>.</summary>
    public static string Build(string destination, string projectName, string projectId, string experimentName, string experimentId, string fileName)
    {
        var project = projectName.Length >= 256 ? $"{projectName[..(255 - projectId.Length - 1)]}.{projectId}" : projectName;
        var maxName = Math.Max(1, 128 - experimentId.Length - 1);
        var task = $"{(experimentName.Length > maxName ? experimentName[..maxName] : experimentName)}.{experimentId}";
        var url = $"{destination.TrimEnd('/')}/{ClearmlText.Quote(project, FolderSafe)}/{ClearmlText.Quote(task, FolderSafe)}/models/{fileName}";
        return QuoteHttpPath(url);
    }

    /// <summary>ClearML's <c>quote_url</c>: an http(s) URL's path is quoted once more (spaces → <c>%20</c>); other schemes are kept.</summary>
    public static string QuoteHttpPath(string url)
    {
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return url;
        }
        var pathStart = url.IndexOf('/', url.IndexOf("//", StringComparison.Ordinal) + 2);
        return pathStart < 0 ? url : url[..pathStart] + ClearmlText.Quote(url[pathStart..]);
    }

    /// <summary>
    /// Checks an upload destination's scheme and turns a local folder into a <c>file://</c> URL.
    /// </summary>
    /// <exception cref="ArgumentException">The scheme is not one ClearML stores to (<paramref name="parameterName"/> is named).</exception>
    public static string Conform(string uri, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri, parameterName);
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            if (uri.Contains(':', StringComparison.Ordinal) && !Path.IsPathRooted(uri))
            {
                throw new ArgumentException($"'{uri}' is neither a URL nor a local path.", parameterName);
            }
            return new Uri(Path.GetFullPath(uri)).AbsoluteUri.TrimEnd('/');
        }
        var scheme = uri[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("file" or "http" or "https" or "s3" or "gs" or "azure"))
        {
            throw new ArgumentException($"The URI scheme '{scheme}' of '{uri}' is not supported: use file://, http(s)://, s3://, gs:// or azure://.", parameterName);
        }
        return uri.TrimEnd('/');
    }
}
