namespace Cairn.Web.Components.Pages.Models.Detail;

/// <summary>What the UI can do with a model's weights address.</summary>
public static class ModelUrl
{
    /// <summary>
    /// The address a browser can download from (http/https, with the file server's
    /// <c>?download</c> hint), or null for local paths and cloud URIs a browser cannot read.
    /// </summary>
    public static string? Downloadable(string? uri)
    {
        if (uri is null || !System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return null;
        }
        return string.IsNullOrEmpty(parsed.Query) ? uri + "?download" : uri;
    }

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
