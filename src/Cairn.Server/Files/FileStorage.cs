using System.Security.Cryptography;
using Cairn.Core.Blobs;
using Cairn.Core.Storage;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>An upload streamed into the blob store, not yet visible to readers; dispose it to discard it.</summary>
public sealed record ReceivedFile(IBlobUpload Upload, long Size, string Sha256);

/// <summary>An upload ran past <see cref="CairnOptions.MaxUploadBytes"/>; what it wrote is already removed.</summary>
public sealed class UploadTooLargeException(long limit) : Exception($"The upload is larger than the limit of {limit} bytes (Cairn:MaxUploadBytes).")
{
    public long Limit { get; } = limit;
}

public enum FileDeleteOutcome
{
    Deleted,
    NotFound,
    /// <summary>The path is a folder and the caller did not ask for folders.</summary>
    IsFolder,
}

/// <summary>
/// The file server's files: bytes in the configured <see cref="IBlobStore"/> (local disk, S3 or
/// Azure), size and SHA-256 in the metadata store's <c>files</c> table. Uploads are hashed while
/// they stream into the blob store, and become visible only when committed.
/// </summary>
public sealed class FileStorage
{
    // Smaller pieces are written and hashed in turn: handing half of them to another thread costs more than it saves.
    private const int ParallelChunk = 256 * 1024;

    // Commit and record happen under a lock per path (striped), so the last file committed is
    // also the last one recorded when two uploads to one path race in this process.
    private readonly SemaphoreSlim[] _commitLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly IMetadataStore _store;
    private readonly TimeProvider _time;

    public FileStorage(IBlobStore blobs, IOptions<CairnOptions> options, IMetadataStore store, TimeProvider time)
    {
        // Every blob-store call of the file server is a span (TracedBlobStore); the disk's own
        // shortcuts (folders, sendfile) go to the disk store itself.
        Disk = blobs as DiskBlobStore;
        Blobs = new TracedBlobStore(blobs);
        _store = store;
        _time = time;
        Root = options.Value.FilesRootPath;
    }

    /// <summary>Where the bytes are (calls through it are traced).</summary>
    public IBlobStore Blobs { get; }

    /// <summary>The local-disk store when that is the provider, for what only a disk can do; null otherwise.</summary>
    public DiskBlobStore? Disk { get; }

    /// <summary>The local storage root (a full path); holds the files only with the disk provider.</summary>
    public string Root { get; }

    /// <summary>
    /// Streams the current part of <paramref name="upload"/> into a new upload at
    /// <paramref name="relativePath"/>, hashing as it goes. Stops and discards it once more than
    /// <paramref name="maxBytes"/> arrive (null: no limit).
    /// </summary>
    /// <exception cref="UploadTooLargeException">More than <paramref name="maxBytes"/> bytes arrived.</exception>
    public async Task<ReceivedFile> ReceiveAsync(MultipartBodyReader upload, string relativePath, long? maxBytes, CancellationToken cancellationToken)
    {
        var blob = await Blobs.StartUploadAsync(relativePath, cancellationToken).ConfigureAwait(false);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            size = await upload.CopyPartAsync(async (chunk, token) =>
            {
                size += chunk.Length;
                if (maxBytes is { } limit && size > limit)
                {
                    throw new UploadTooLargeException(limit);
                }
                if (chunk.Length < ParallelChunk)
                {
                    await blob.WriteAsync(chunk, token).ConfigureAwait(false);
                    AppendAll(hash, chunk);
                    return;
                }
                // The write and the hash run on two cores; meanwhile Kestrel keeps receiving the
                // next bytes into the pipe (the chunk stays valid until this callback returns).
                var write = Task.Run(() => blob.WriteAsync(chunk, token).AsTask(), token);
                AppendAll(hash, chunk);
                await write.ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return new ReceivedFile(blob, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch
        {
            await blob.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void AppendAll(IncrementalHash hash, System.Buffers.ReadOnlySequence<byte> chunk)
    {
        foreach (var segment in chunk)
        {
            hash.AppendData(segment.Span);
        }
    }

    /// <summary>
    /// Makes a received file visible at <paramref name="relativePath"/> (replacing any file
    /// there) and records its size and hash.
    /// </summary>
    /// <exception cref="IOException">The path is taken by a folder, or a folder on the way is a file.</exception>
    public async Task<StoredFile> CommitAsync(ReceivedFile received, string relativePath, CancellationToken cancellationToken)
    {
        var commitLock = _commitLocks[(relativePath.GetHashCode(StringComparison.Ordinal) & int.MaxValue) % _commitLocks.Length];
        await commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Not cancellable past this point: a file made visible must also be recorded.
            var blob = await received.Upload.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            var stored = new StoredFile(relativePath, received.Size, received.Sha256, _time.GetUtcNow(), blob.LastModified);
            await _store.Files.SaveAsync(stored, CancellationToken.None).ConfigureAwait(false);
            return stored;
        }
        finally
        {
            commitLock.Release();
        }
    }

    /// <summary>Why a file cannot be stored at <paramref name="relativePath"/> (a folder is there, or a file where a folder must be); null when it can.</summary>
    public async Task<string?> FindConflictAsync(string relativePath, CancellationToken cancellationToken)
    {
        if (Disk is { } disk)
        {
            return disk.FindConflict(relativePath);
        }
        // An object store has no folders, but ClearML clients expect the file server's answers:
        // a path cannot be both a file and a folder.
        if (await IsFolderAsync(relativePath, cancellationToken).ConfigureAwait(false))
        {
            return "a folder of that name exists";
        }
        for (var slash = relativePath.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = relativePath.IndexOf('/', slash + 1))
        {
            var folder = relativePath[..slash];
            if (await Blobs.GetInfoOrNullAsync(folder, cancellationToken).ConfigureAwait(false) is not null)
            {
                return $"'{folder}' is a file, not a folder";
            }
        }
        return null;
    }

    private async Task<bool> IsFolderAsync(string relativePath, CancellationToken cancellationToken)
    {
        if (Disk is { } disk)
        {
            return disk.IsFolder(relativePath);
        }
        await foreach (var _ in Blobs.ListAsync(relativePath + "/", cancellationToken).ConfigureAwait(false))
        {
            return true;
        }
        return false;
    }

    /// <summary>
    /// The blob at a checked relative path and its record when the record still describes it
    /// (same size and modification time); null when there is no such file.
    /// </summary>
    public async Task<(BlobInfo Blob, StoredFile? Record)?> FindAsync(string relativePath, CancellationToken cancellationToken)
    {
        var blob = await Blobs.GetInfoOrNullAsync(relativePath, cancellationToken).ConfigureAwait(false);
        if (blob is null)
        {
            return null;
        }
        var record = await _store.Files.GetOrNullAsync(relativePath, cancellationToken).ConfigureAwait(false);
        // A file replaced outside the server (or by a replica whose record lost the race) keeps a
        // stale record; a hash that does not describe the bytes is worse than none.
        var current = record is not null
            && record.Size == blob.Size
            && record.LastWrite.ToUnixTimeMilliseconds() == blob.LastModified.ToUnixTimeMilliseconds();
        return (blob, current ? record : null);
    }

    /// <summary>Deletes a file, or a folder and everything in it when <paramref name="folders"/> is set, and forgets their records.</summary>
    public async Task<FileDeleteOutcome> DeleteAsync(string relativePath, bool folders, CancellationToken cancellationToken)
    {
        FileDeleteOutcome outcome;
        if (await Blobs.DeleteAsync(relativePath, cancellationToken).ConfigureAwait(false))
        {
            outcome = FileDeleteOutcome.Deleted;
        }
        else if (!folders)
        {
            if (await IsFolderAsync(relativePath, cancellationToken).ConfigureAwait(false))
            {
                return FileDeleteOutcome.IsFolder;
            }
            outcome = FileDeleteOutcome.NotFound;
        }
        else
        {
            outcome = await Blobs.DeletePrefixAsync(relativePath + "/", cancellationToken).ConfigureAwait(false) > 0
                ? FileDeleteOutcome.Deleted
                : FileDeleteOutcome.NotFound;
        }
        // A record without a file (deleted by hand) is removed too.
        await _store.Files.RemoveAsync(relativePath, folders, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Removes temporary files left by uploads that a crash interrupted (disk provider; see <see cref="DiskBlobStore.RemoveAbandonedUploads"/>).</summary>
    public int RemoveAbandonedUploads(TimeSpan age) => Disk is { } disk ? disk.RemoveAbandonedUploads(age) : 0;
}
