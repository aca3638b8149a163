using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage;

/// <summary>
/// The download cache (ClearML's <c>&lt;root&gt;/storage_manager/global/</c>): one file per URL named
/// <c>&lt;md5(url)&gt;.&lt;file name&gt;</c>, extracted archives beside it, a size limit in bytes enforced
/// by evicting the least recently used entries. Entries are locked per URL across threads and
/// processes while they are filled, extracted or evicted.
/// </summary>
/// <remarks>
/// A path handed to a caller is read after its lock is released, so entries used within
/// <see cref="RecentUse"/> are never evicted (the cache may then stay over its limit for a while).
/// Sizes are counted cheaply: one listing of the cache folder (an extracted folder's size is
/// recorded once, when it is extracted), and no listing at all while this process's running
/// total, re-counted at least every <see cref="RecountInterval"/>, stays under the limit.
/// </remarks>
internal sealed partial class LocalCache
{
    /// <summary>How long an entry just returned to a caller is safe from eviction.</summary>
    public static readonly TimeSpan RecentUse = TimeSpan.FromMinutes(2);

    /// <summary>How long the running total may be trusted before the folder is counted again (other processes fill it too).</summary>
    public static readonly TimeSpan RecountInterval = TimeSpan.FromSeconds(30);

    /// <summary>File names are kept well under the usual 255-byte limit.</summary>
    private const int MaxNameLength = 120;

    private readonly long _limitBytes;

    private readonly ILogger _logger;

    private readonly TimeProvider _time;

    private readonly Lock _totalLock = new();

    private long? _total;

    private DateTimeOffset _counted;

    public LocalCache(string root, long limitBytes, ILogger logger, TimeProvider time)
    {
        Folder = Path.Combine(root, "storage_manager", "global");
        LocksFolder = Path.Combine(Folder, ".locks");
        _limitBytes = limitBytes;
        _logger = logger;
        _time = time;
    }

    public string Folder { get; }

    private string LocksFolder { get; }

    /// <summary>The key of a URL: md5 of its quoted spelling, as ClearML names cache files.</summary>
    public static string Key(string url) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(url)));

    /// <summary>The cache file for a URL.</summary>
    public string EntryPath(string key, string fileName) => Path.Combine(Folder, $"{key}.{Shorten(fileName)}");

    /// <summary>The folder an archive is extracted to: <c>&lt;md5&gt;.&lt;name without suffix&gt;_artifacts_archive_&lt;name&gt;</c>.</summary>
    public string ExtractedPath(string key, string fileName, string? archiveName)
    {
        var suffix = ArchiveExtractor.ArchiveSuffix(fileName);
        var stem = suffix is null ? fileName : fileName[..^suffix.Length];
        return Path.Combine(Folder, $"{key}.{Shorten(stem)}_artifacts_archive_{Shorten(archiveName ?? "None")}");
    }

    /// <summary>Locks the entries of one URL (its file and extracted folder) against other fillers and eviction.</summary>
    public Task<CacheLock> LockAsync(string key, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(LocksFolder);
        return CacheLock.AcquireAsync(LockPath(key), cancellationToken);
    }

    /// <summary>The SHA-256 recorded when the entry at <paramref name="entryPath"/> was filled; null when none was.</summary>
    public string? RecordedSha256(string entryPath)
    {
        try
        {
            var text = File.ReadAllText(Sha256Path(entryPath)).Trim();
            return text.Length == 64 ? text : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Records the SHA-256 of a just-filled entry (a hidden sidecar, so eviction does not count it as an entry).</summary>
    public void RecordSha256(string entryPath, string sha256) => AtomicFile.WriteAllText(Sha256Path(entryPath), sha256);

    /// <summary>Marks an entry as just used (its modification time is the LRU clock, as in ClearML).</summary>
    public void Touch(string path)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (Directory.Exists(path))
        {
            Directory.SetLastWriteTimeUtc(path, now);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, now);
        }
    }

    /// <summary>Records (and returns) the size of a just-extracted folder, so counting the cache never walks it again.</summary>
    public long RecordFolderSize(string folder)
    {
        var size = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        AtomicFile.WriteAllText(SizePath(folder), size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return size;
    }

    /// <summary>
    /// Notes <paramref name="addedBytes"/> just filled and, when the cache may be over its limit,
    /// deletes least-recently-used entries until it fits. Entries in <paramref name="keep"/> (the
    /// one just filled), entries used within <see cref="RecentUse"/> and entries locked by someone
    /// are skipped. An evicted entry's lock file goes with it.
    /// </summary>
    public void Evict(long addedBytes, params string[] keep)
    {
        var now = _time.GetUtcNow();
        lock (_totalLock)
        {
            if (_total is { } total && total + addedBytes <= _limitBytes && now - _counted < RecountInterval)
            {
                _total = total + addedBytes;
                return;
            }
        }
        var entries = new List<(string Path, bool IsFolder, long Size, DateTime Used)>();
        var folder = new DirectoryInfo(Folder);
        if (!folder.Exists)
        {
            return;
        }
        foreach (var item in folder.EnumerateFileSystemInfos())
        {
            if (item.Name.StartsWith('.') || item.Name.EndsWith(AtomicFile.PartialSuffix, StringComparison.Ordinal) || item.Name.EndsWith(AtomicFile.FolderSuffix, StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                entries.Add(item is DirectoryInfo dir
                    ? (dir.FullName, true, FolderSize(dir), dir.LastWriteTimeUtc)
                    : (item.FullName, false, ((FileInfo)item).Length, item.LastWriteTimeUtc));
            }
            catch (IOException)
            {
                // Deleted by another process while we looked; nothing to count.
            }
        }
        var remaining = entries.Sum(e => e.Size);
        var recent = (now - RecentUse).UtcDateTime;
        foreach (var entry in entries.OrderBy(e => e.Used))
        {
            if (remaining <= _limitBytes)
            {
                break;
            }
            if (keep.Contains(entry.Path, StringComparer.Ordinal) || entry.Used > recent)
            {
                continue; // Just filled or just handed to a caller, who may still be reading it.
            }
            var key = Path.GetFileName(entry.Path).Split('.')[0];
            var lockPath = LockPath(key);
            using (var held = CacheLock.TryAcquire(lockPath))
            {
                if (held is null)
                {
                    continue; // In use by another filler; evict it another time.
                }
                try
                {
                    if (entry.IsFolder)
                    {
                        Directory.Delete(entry.Path, recursive: true);
                        File.Delete(SizePath(entry.Path));
                    }
                    else
                    {
                        File.Delete(entry.Path);
                        File.Delete(Sha256Path(entry.Path));
                    }
                    remaining -= entry.Size;
                    Evicted(_logger, entry.Path, entry.Size);
                }
                catch (IOException)
                {
                    // Gone already, or held open on a system that forbids deleting it: skip.
                    continue;
                }
                if (!entries.Any(e => e.Path != entry.Path && Path.GetFileName(e.Path).StartsWith(key + ".", StringComparison.Ordinal) && Path.Exists(e.Path)))
                {
                    held.DeleteWhileHeld(); // Its URL has nothing left here: the lock file goes too.
                }
            }
        }
        lock (_totalLock)
        {
            _total = remaining;
            _counted = now;
        }
    }

    private long FolderSize(DirectoryInfo dir)
    {
        var sizePath = SizePath(dir.FullName);
        if (File.Exists(sizePath) && long.TryParse(File.ReadAllText(sizePath), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var recorded))
        {
            return recorded;
        }
        return RecordFolderSize(dir.FullName);
    }

    private string SizePath(string folderPath) => Path.Combine(Folder, "." + Path.GetFileName(folderPath) + ".size");

    private string Sha256Path(string entryPath) => Path.Combine(Folder, "." + Path.GetFileName(entryPath) + ".sha256");

    /// <summary>The lock file of <paramref name="key"/> (tests look for it).</summary>
    public string LockPath(string key) => Path.Combine(LocksFolder, key + ".lock");

    private static string Shorten(string name) => name.Length <= MaxNameLength ? name : name[^MaxNameLength..];

    [LoggerMessage(LogLevel.Debug, "Evicted {Path} ({Bytes} bytes) from the cache")]
    private static partial void Evicted(ILogger logger, string path, long bytes);
}
