namespace Cairn.Storage;

/// <summary>
/// An exclusive lock on one cache entry, shared by threads and processes: an open lock file with
/// no sharing (an advisory <c>flock</c> on Unix, a share-mode lock on Windows). Eviction deletes
/// the lock file of an entry it removed while holding it; anyone who then locks the deleted file
/// (opened just before) notices on Linux (its <c>/proc/self/fd</c> link reads "(deleted)") and
/// tries again on the new file, so two holders never hold different files of one entry. Windows
/// refuses to delete an open lock file, and the deletion is simply skipped.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly FileStream _file;

    private readonly string _path;

    private CacheLock(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    /// <summary>Waits until the lock is free, then takes it.</summary>
    public static async Task<CacheLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the lock if it is free; null when someone holds it.</summary>
    public static CacheLock? TryAcquire(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        if (IsUnlinked(file))
        {
            file.Dispose();
            return null; // An evictor deleted this lock file while we waited for it: take the new one.
        }
        return new CacheLock(file, path);
    }

    /// <summary>Deletes the lock file while holding it (after its entry was evicted); a failure only leaves it behind.</summary>
    public void DeleteWhileHeld()
    {
        try
        {
            File.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Windows keeps an open file; an empty lock file left behind is harmless.
        }
    }

    private static bool IsUnlinked(FileStream file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            var target = new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget;
            return target is not null && target.EndsWith(" (deleted)", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose() => _file.Dispose();
}
