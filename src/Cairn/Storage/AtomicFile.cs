namespace Cairn.Storage;

/// <summary>
/// Writes a file or folder under a temporary sibling name and renames it into place, so a reader
/// (another thread or process) sees the whole new content or the old one, never a part; the
/// temporary is deleted when the write fails. Every file the SDK publishes goes through here.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Suffix of a file being written (the cache skips these when it counts).</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Suffix of a folder being filled.</summary>
    public const string FolderSuffix = ".extracting";

    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary sibling path of <paramref name="target"/>,
    /// then renames it over <paramref name="target"/>; returns what <paramref name="write"/> returned.
    /// </summary>
    public static async Task<T> WriteAsync<T>(string target, Func<string, Task<T>> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        var temp = $"{target}.{Guid.NewGuid():N}{PartialSuffix}";
        try
        {
            var result = await write(temp).ConfigureAwait(false);
            File.Move(temp, target, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(temp); // Nothing there after the rename; a failed write's leftovers otherwise.
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="target"/> atomically.</summary>
    public static void WriteAllText(string target, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        var temp = $"{target}.{Guid.NewGuid():N}{PartialSuffix}";
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Fills a temporary sibling folder with <paramref name="fill"/> and renames it to
    /// <paramref name="folder"/>. A folder renames only onto nothing: when another writer got
    /// there first, its folder is kept and this one dropped (both hold the same content).
    /// </summary>
    public static async Task WriteFolderAsync(string folder, Func<string, Task> fill)
    {
        var temp = $"{folder}.{Guid.NewGuid():N}{FolderSuffix}";
        try
        {
            Directory.CreateDirectory(temp);
            await fill(temp).ConfigureAwait(false);
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another thread or process filled it first; theirs is as good.
            }
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }
}
