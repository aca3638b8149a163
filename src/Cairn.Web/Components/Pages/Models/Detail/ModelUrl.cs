namespace Cairn.Web.Components.Pages.Models.Detail;

/// <summary>What the UI can do with a model's weights address.</summary>
public static class ModelUrl
{
    /// <summary>
    /// The address a browser can download from: the UI's own download route for a file on Cairn's
    /// file server at <paramref name="filesUrl"/> (which needs a token the browser does not hold),
    /// other http/https addresses as they are (with the file server's <c>?download</c> hint), and
    /// null for local paths and cloud URIs a browser cannot read.
    /// </summary>
    public static string? Downloadable(string? uri, string filesUrl)
    {
        if (Cairn.Web.Api.FileDownload.LinkOrNull(uri, filesUrl) is { } link)
        {
            return link;
        }
        if (uri is null || !System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return null;
        }
        return string.IsNullOrEmpty(parsed.Query) ? uri + "?download" : uri;
    }

    /// <summary>
    /// The link's <c>target</c>: the UI's own download route stays in the page (an attachment
    /// leaves it as it is, and a <c>download</c> link is one Blazor does not route); other addresses open in a new tab.
    /// </summary>
    public static string? Target(string link) => IsOwnRoute(link) ? null : "_blank";

    /// <summary>The <c>download</c> attribute: present for the UI's own download route.</summary>
    public static string? DownloadAttribute(string link) => IsOwnRoute(link) ? "" : null;

    private static bool IsOwnRoute(string link) => link.StartsWith(Cairn.Web.Api.FileDownload.Path + "?", StringComparison.Ordinal);

    public static string Size(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
