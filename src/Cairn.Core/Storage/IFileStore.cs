namespace Cairn.Core.Storage;

/// <summary>What the metadata store keeps about the file server: stored files and the deletion queue.</summary>
public interface IFileStore
{
    /// <summary>Records a stored file, replacing what was recorded for the same path.</summary>
    Task SaveAsync(StoredFile file, CancellationToken cancellationToken = default);

    /// <summary>What was recorded for <paramref name="path"/>; null when nothing was.</summary>
    Task<StoredFile?> GetOrNullAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets <paramref name="path"/> and, when <paramref name="withDescendants"/> is set, every
    /// path below it as a folder; returns how many records were removed.
    /// </summary>
    Task<int> RemoveAsync(string path, bool withDescendants, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues the deletion of a file-server URL, due at once. A URL already queued is not queued
    /// twice: it becomes due at once again and keeps its attempt count.
    /// </summary>
    Task EnqueueDeletionAsync(string url, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <paramref name="limit"/> deletions due at <paramref name="now"/>, counts an
    /// attempt on each and hides them from other claims until <paramref name="now"/> +
    /// <paramref name="lease"/>, so replicas sharing the store never work on the same URL at once
    /// and a claim lost with its process is retried after the lease.
    /// </summary>
    Task<IReadOnlyList<FileDeletion>> ClaimDeletionsAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Removes a deletion from the queue; false when it was not there.</summary>
    Task<bool> CompleteDeletionAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Records why an attempt failed and when the next one is due.</summary>
    Task RetryDeletionAsync(long id, DateTimeOffset nextAttempt, string error, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the queued deletions in queue order: those whose id is above
    /// <paramref name="afterId"/>, at most <paramref name="limit"/>. The queue can hold many entries
    /// (a deleted project's models, objects waiting for credentials), so readers page through it.
    /// </summary>
    Task<IReadOnlyList<FileDeletion>> ListDeletionsAsync(long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many deletions are queued (one count query, for the queue-depth gauge), leaving out the
    /// entries whose last error is exactly <paramref name="excludedLastError"/> (the job's marker for
    /// entries whose file is already gone).
    /// </summary>
    Task<long> CountDeletionsAsync(string? excludedLastError = null, CancellationToken cancellationToken = default);
}

/// <summary>A file the file server stored: its path under the storage root, size and SHA-256 (lowercase hex).</summary>
public sealed record StoredFile(string Path, long Size, string Sha256, DateTimeOffset Stored, DateTimeOffset LastWrite);

/// <summary>A queued deletion of a file-server URL; <see cref="Attempts"/> counts claims so far.</summary>
public sealed record FileDeletion(long Id, string Url, DateTimeOffset Queued, int Attempts, DateTimeOffset NextAttempt, string? LastError);
