namespace Cairn.Storage;

/// <summary>
/// An exclusive lock on one cache entry, shared by threads and processes: an open lock file with
/// no sharing (an advisory <c>flock</c> on Unix, a share-mode lock on Windows). The lock files stay
/// (they are empty); deleting them while held would let two holders lock different files.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly FileStream _file;

    private CacheLock(FileStream file) => _file = file;

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
        try
        {
            return new CacheLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
