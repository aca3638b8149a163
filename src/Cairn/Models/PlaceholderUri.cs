namespace Cairn.Models;

/// <summary>
/// The URIs ClearML puts on a model whose weights are not stored yet: <c>&lt;dest&gt;/uploading_file</c>
/// while an upload runs and <c>&lt;dest&gt;/failed_uploading</c> after one failed.
/// </summary>
internal static class PlaceholderUri
{
    public const string Uploading = "uploading_file";

    public const string Failed = "failed_uploading";

    /// <summary><paramref name="destination"/>/<paramref name="leaf"/>, or <c>file:///leaf</c> without a destination.</summary>
    public static string Under(string? destination, string leaf) =>
        string.IsNullOrEmpty(destination) ? $"file:///{leaf}" : $"{destination.TrimEnd('/')}/{leaf}";

    public static bool IsPlaceholder(string url) =>
        url.EndsWith("/" + Uploading, StringComparison.Ordinal) || url.EndsWith("/" + Failed, StringComparison.Ordinal);
}
