using System.Runtime.CompilerServices;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;

namespace Cairn.Models;

/// <summary>
/// What the model and experiment classes share per process: the session made from the
/// configuration when a caller passes none, and one <see cref="StorageManager"/> per session so
/// its cache and drivers are shared.
/// </summary>
internal static class SdkContext
{
    private static readonly ConditionalWeakTable<ClearMLSession, StorageManager> StorageManagers = [];

    private static readonly Lock DefaultLock = new();

    private static ClearMLSession? _defaultSession;

    /// <summary>The session made from <c>clearml.conf</c> and the <c>CLEARML_*</c> environment variables, created on first use.</summary>
    public static ClearMLSession DefaultSession
    {
        get
        {
            lock (DefaultLock)
            {
                return _defaultSession ??= new ClearMLSession(LoadSettings());
            }
        }
    }

    /// <summary>The storage manager shared by everything that uses <paramref name="session"/>.</summary>
    public static StorageManager StorageFor(ClearMLSession session) =>
        StorageManagers.GetValue(session, s => new StorageManager(s));

    // Local copies this process made (cache file or extracted folder → remote URL), so importing a
    // cached file registers the URL it came from, as ClearML's SDK does.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LocalCopies = new(StringComparer.Ordinal);

    public static void RememberLocalCopy(string path, string url) => LocalCopies[Path.GetFullPath(path)] = url;

    /// <summary>The remote URL a local copy came from; null when the path is not one.</summary>
    public static string? RemoteUrlOf(string path) => LocalCopies.TryGetValue(Path.GetFullPath(path), out var url) ? url : null;

    private static ClearMLSettings LoadSettings() => ClearMLSettings.Load();
}
