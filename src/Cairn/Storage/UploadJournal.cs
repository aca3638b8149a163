using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cairn.Configuration;

namespace Cairn.Storage;

/// <summary>One part an interrupted upload already stored: its number, size, MD5 (hex) and the store's tag for it.</summary>
internal sealed record JournalPart(int Number, long Size, string Md5, string Tag);

/// <summary>
/// The record of a large upload in progress, kept beside the SDK's cache
/// (<c>&lt;cache root&gt;/storage_manager/uploads/</c>) so the same upload started again, after a
/// kill or a lost connection, continues from the parts already stored. It names the store's
/// upload (S3 upload id, Azure block-id tag), the part size, the parts done with their MD5, and
/// the source file's size and modification time: a changed file (or a part whose bytes no longer
/// match) makes the upload start over, after the old one is aborted.
/// </summary>
/// <remarks>
/// A small line-based text file (no JSON serializer, so it stays trim/AOT-safe), rewritten
/// atomically after each part: a kill at any moment leaves the previous or the next version.
/// </remarks>
internal sealed class UploadJournal
{
    private const string Magic = "cairn-upload-journal 1";

    private readonly Lock _lock = new();

    private readonly Dictionary<int, JournalPart> _parts = [];

    private UploadJournal(string path, string kind, string url, string source, long size, long modifiedTicks, string uploadId, long partSize, DateTimeOffset started)
    {
        Path = path;
        Kind = kind;
        Url = url;
        Source = source;
        Size = size;
        ModifiedTicks = modifiedTicks;
        UploadId = uploadId;
        PartSize = partSize;
        Started = started;
    }

    public string Path { get; }

    /// <summary>The store kind (<c>s3</c>, <c>azure</c>, <c>gs</c>): a journal is only read by its own driver.</summary>
    public string Kind { get; }

    public string Url { get; }

    public string Source { get; }

    public long Size { get; }

    public long ModifiedTicks { get; }

    public string UploadId { get; }

    public long PartSize { get; }

    public DateTimeOffset Started { get; }

    /// <summary>The parts done, by number.</summary>
    public IReadOnlyDictionary<int, JournalPart> Parts
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<int, JournalPart>(_parts);
            }
        }
    }

    /// <summary>The folder of the journals for <paramref name="settings"/>' cache.</summary>
    public static string Folder(ClearMLSettings settings) =>
        System.IO.Path.Combine(CacheRoot(settings), "storage_manager", "uploads");

    /// <summary>The cache root: <c>sdk.storage.cache.default_base_dir</c>, or <c>~/.clearml/cache</c> as ClearML's.</summary>
    public static string CacheRoot(ClearMLSettings settings) =>
        settings.CacheDirectory ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".clearml", "cache");

    /// <summary>The journal file of an upload of <paramref name="source"/> to <paramref name="url"/>.</summary>
    public static string PathFor(string folder, string url, string source) =>
        System.IO.Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url + "\n" + System.IO.Path.GetFullPath(source))))[..32] + ".upload");

    /// <summary>Starts a new journal (written at once, so a kill after the store's upload began still finds it).</summary>
    public static UploadJournal Create(string path, string kind, string url, string source, long size, long modifiedTicks, string uploadId, long partSize, DateTimeOffset started)
    {
        var journal = new UploadJournal(path, kind, url, source, size, modifiedTicks, uploadId, partSize, started);
        journal.Save();
        return journal;
    }

    /// <summary>Reads a journal; null when there is none or it cannot be read (a torn or foreign file is ignored, then replaced).</summary>
    public static UploadJournal? Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (lines.Length < 9 || lines[0] != Magic)
        {
            return null;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = new List<JournalPart>();
        foreach (var line in lines.Skip(1))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                continue;
            }
            var (name, value) = (line[..space], line[(space + 1)..]);
            if (name == "part")
            {
                var fields = value.Split(' ');
                if (fields.Length == 4 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                {
                    parts.Add(new JournalPart(number, size, fields[2], fields[3]));
                }
            }
            else
            {
                values[name] = value;
            }
        }
        long Number(string name) => values.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
        if (!values.TryGetValue("kind", out var kind) || !values.TryGetValue("url", out var url) || !values.TryGetValue("source", out var source)
            || !values.TryGetValue("upload", out var uploadId) || Number("size") < 0 || Number("partsize") <= 0 || Number("started") < 0)
        {
            return null;
        }
        var journal = new UploadJournal(path, kind, url, source, Number("size"), Number("mtime"), uploadId, Number("partsize"),
            DateTimeOffset.FromUnixTimeMilliseconds(Number("started")));
        foreach (var part in parts)
        {
            journal._parts[part.Number] = part;
        }
        return journal;
    }

    /// <summary>The journals in <paramref name="folder"/> of <paramref name="kind"/> started before <paramref name="before"/>: uploads abandoned long enough to abort.</summary>
    public static IEnumerable<UploadJournal> Abandoned(string folder, string kind, DateTimeOffset before)
    {
        if (!Directory.Exists(folder))
        {
            yield break;
        }
        foreach (var path in Directory.EnumerateFiles(folder, "*.upload"))
        {
            if (Load(path) is { } journal && journal.Kind == kind && journal.Started < before)
            {
                yield return journal;
            }
        }
    }

    /// <summary>Records a part as stored and rewrites the journal.</summary>
    public void Add(JournalPart part)
    {
        lock (_lock)
        {
            _parts[part.Number] = part;
            Save();
        }
    }

    /// <summary>Removes the journal (the upload completed or was aborted).</summary>
    public void Delete() => File.Delete(Path);

    private void Save()
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        void Line(string name, string value) => text.Append(name).Append(' ').Append(value).Append('\n');
        Line("kind", Kind);
        Line("url", Url);
        Line("source", Source);
        Line("size", Size.ToString(CultureInfo.InvariantCulture));
        Line("mtime", ModifiedTicks.ToString(CultureInfo.InvariantCulture));
        Line("upload", UploadId);
        Line("partsize", PartSize.ToString(CultureInfo.InvariantCulture));
        Line("started", Started.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        foreach (var part in _parts.Values.OrderBy(p => p.Number))
        {
            Line("part", string.Create(CultureInfo.InvariantCulture, $"{part.Number} {part.Size} {part.Md5} {part.Tag}"));
        }
        AtomicFile.WriteAllText(Path, text.ToString());
    }
}
