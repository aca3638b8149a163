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
internal sealed partial class LocalCache
{
    /// <summary>File names are kept well under the usual 255-byte limit.</summary>
    private const int MaxNameLength = 120;

    private readonly long _limitBytes;

    private readonly ILogger _logger;

    public LocalCache(string root, long limitBytes, ILogger logger)
    {
        Folder = Path.Combine(root, "storage_manager", "global");
        LocksFolder = Path.Combine(Folder, ".locks");
        _limitBytes = limitBytes;
        _logger = logger;
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
    public void RecordSha256(string entryPath, string sha256) => File.WriteAllText(Sha256Path(entryPath), sha256);

    /// <summary>Marks an entry as just used (its modification time is the LRU clock, as in ClearML).</summary>
    public static void Touch(string path)
    {
        var now = DateTime.UtcNow;
        if (Directory.Exists(path))
        {
            Directory.SetLastWriteTimeUtc(path, now);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, now);
        }
    }

    /// <summary>
    /// Deletes least-recently-used entries until the cache fits its limit. Entries in
    /// <paramref name="keep"/> (the one just filled) and entries locked by someone are skipped.
    /// </summary>
    public void Evict(params string[] keep)
    {
        var entries = new List<(string Path, bool IsFolder, long Size, DateTime Used)>();
        var folder = new DirectoryInfo(Folder);
        if (!folder.Exists)
        {
            return;
        }
        foreach (var item in folder.EnumerateFileSystemInfos())
        {
            if (item.Name.StartsWith('.') || item.Name.EndsWith(".partial", StringComparison.Ordinal) || item.Name.EndsWith(".extracting", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                entries.Add(item is DirectoryInfo dir
                    ? (dir.FullName, true, dir.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length), dir.LastWriteTimeUtc)
                    : (item.FullName, false, ((FileInfo)item).Length, item.LastWriteTimeUtc));
            }
            catch (IOException)
            {
                // Deleted by another process while we looked; nothing to count.
            }
        }
        var total = entries.Sum(e => e.Size);
        foreach (var entry in entries.OrderBy(e => e.Used))
        {
            if (total <= _limitBytes)
            {
                return;
            }
            if (keep.Contains(entry.Path, StringComparer.Ordinal))
            {
                continue;
            }
            var key = Path.GetFileName(entry.Path).Split('.')[0];
            using var held = CacheLock.TryAcquire(LockPath(key));
            if (held is null)
            {
                continue; // In use by another filler; evict it another time.
            }
            try
            {
                if (entry.IsFolder)
                {
                    Directory.Delete(entry.Path, recursive: true);
                }
                else
                {
                    File.Delete(entry.Path);
                    File.Delete(Sha256Path(entry.Path));
                }
                total -= entry.Size;
                Evicted(_logger, entry.Path, entry.Size);
            }
            catch (IOException)
            {
                // Gone already, or held open on a system that forbids deleting it: skip.
            }
        }
    }

    private string Sha256Path(string entryPath) => Path.Combine(Folder, "." + Path.GetFileName(entryPath) + ".sha256");

    private string LockPath(string key) => Path.Combine(LocksFolder, key + ".lock");

    private static string Shorten(string name) => name.Length <= MaxNameLength ? name : name[^MaxNameLength..];

    [LoggerMessage(LogLevel.Debug, "Evicted {Path} ({Bytes} bytes) from the cache")]
    private static partial void Evicted(ILogger logger, string path, long bytes);
}
