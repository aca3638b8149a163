using Cairn.Session;
using Cairn.Storage;

namespace Cairn.Models;

/// <summary>
/// What the model and experiment classes share per process: the default client's session for
/// callers that pass none, and the local copies this process made.
/// </summary>
internal static class SdkContext
{
    /// <summary>The session of <see cref="ClearMLClient.Default"/> (made from <c>clearml.conf</c> and the <c>CLEARML_*</c> variables on first use).</summary>
    public static ClearMLSession DefaultSession => ClearMLClient.Default.Session;

    /// <summary>The storage manager shared by everything that uses <paramref name="session"/>.</summary>
    public static StorageManager StorageFor(ClearMLSession session) => session.Storage;

    // Local copies this process made (cache file or extracted folder → remote URL), so importing a
    // cached file registers the URL it came from, as ClearML's SDK does.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LocalCopies = new(StringComparer.Ordinal);

    public static void RememberLocalCopy(string path, string url) => LocalCopies[Path.GetFullPath(path)] = url;

    /// <summary>The remote URL a local copy came from; null when the path is not one.</summary>
    public static string? RemoteUrlOf(string path) => LocalCopies.TryGetValue(Path.GetFullPath(path), out var url) ? url : null;
}
