using System.Security.Cryptography;
using Cairn.Core.Storage;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Files;

/// <summary>An upload streamed into a temporary file under the storage root, not yet visible to readers.</summary>
public sealed record ReceivedFile(string TemporaryPath, long Size, string Sha256);

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
/// The file server's files on local disk under one root. Uploads stream into
/// <see cref="FilePath.UploadsFolder"/> (same file system, so the final rename is atomic) while
/// their size and SHA-256 are computed; the rename makes them visible whole or not at all.
/// </summary>
public sealed class FileStorage
{
    // Smaller pieces are written and hashed in turn: handing half of them to another thread costs more than it saves.
    private const int ParallelChunk = 256 * 1024;
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    // Rename and record happen under a lock per path (striped), so the last file renamed into
    // place is also the last one recorded when two uploads to one path race.
    private readonly SemaphoreSlim[] _commitLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly IMetadataStore _store;
    private readonly TimeProvider _time;

    public FileStorage(IOptions<CairnOptions> options, IMetadataStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
        Root = options.Value.FilesRootPath;
        UploadsPath = Path.Combine(Root, FilePath.UploadsFolder);
    }

    /// <summary>The storage root, a full path.</summary>
    public string Root { get; }

    private string UploadsPath { get; }

    /// <summary>Creates the storage root at start, so a bad <c>Cairn:FilesRoot</c> fails the start rather than the first upload.</summary>
    /// <exception cref="CairnStartupException">The root cannot be created.</exception>
    public static void CreateRoot(CairnOptions options)
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(options.FilesRootPath, FilePath.UploadsFolder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CairnStartupException($"Cairn:FilesRoot '{options.FilesRootPath}' cannot be created: {e.Message}");
        }
    }

    /// <summary>The full path of a checked relative path (see <see cref="FilePath"/>), verified to lie under the root.</summary>
    public string Resolve(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relativePath));
        // FilePath already refuses '..' and absolute paths; this guards the guard.
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{relativePath}' resolves outside the storage root.");
        }
        return full;
    }

    /// <summary>
    /// Streams the current part of <paramref name="upload"/> into a new temporary file, hashing as
    /// it goes. Stops and removes the file once more than <paramref name="maxBytes"/> arrive (null: no limit).
    /// </summary>
    /// <exception cref="UploadTooLargeException">More than <paramref name="maxBytes"/> bytes arrived.</exception>
    public async Task<ReceivedFile> ReceiveAsync(MultipartBodyReader upload, long? maxBytes, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(UploadsPath, $"{Guid.NewGuid():N}.part");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            using (var file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var segments = new List<ReadOnlyMemory<byte>>();
                size = await upload.CopyPartAsync(async (chunk, token) =>
                {
                    var offset = size;
                    size += chunk.Length;
                    if (maxBytes is { } limit && size > limit)
                    {
                        throw new UploadTooLargeException(limit);
                    }
                    segments.Clear();
                    foreach (var segment in chunk)
                    {
                        segments.Add(segment);
                    }
                    if (chunk.Length < ParallelChunk)
                    {
                        RandomAccess.Write(file, segments, offset);
                        AppendAll(hash, segments);
                        return;
                    }
                    // The write (one pwritev of the pipe's segments) and the hash run on two cores;
                    // meanwhile Kestrel keeps receiving the next bytes into the pipe.
                    var write = Task.Run(() => RandomAccess.Write(file, segments, offset), token);
                    AppendAll(hash, segments);
                    await write.ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            return new ReceivedFile(temporary, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch
        {
            Discard(temporary);
            throw;
        }
    }

    private static void AppendAll(IncrementalHash hash, List<ReadOnlyMemory<byte>> segments)
    {
        foreach (var segment in segments)
        {
            hash.AppendData(segment.Span);
        }
    }

    /// <summary>
    /// Moves a received file into place at <paramref name="relativePath"/> (replacing any file
    /// there) and records its size and hash.
    /// </summary>
    /// <exception cref="IOException">The path is taken by a folder, or a folder on the way is a file.</exception>
    public async Task<StoredFile> CommitAsync(ReceivedFile received, string relativePath, CancellationToken cancellationToken)
    {
        var destination = Resolve(relativePath);
        var commitLock = _commitLocks[(relativePath.GetHashCode(StringComparison.Ordinal) & int.MaxValue) % _commitLocks.Length];
        // Not cancellable past this point: a file renamed into place must also be recorded.
        await commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (Directory.Exists(destination))
            {
                throw new IOException($"'{relativePath}' is a folder.");
            }
            File.Move(received.TemporaryPath, destination, overwrite: true);
            var lastWrite = new DateTimeOffset(File.GetLastWriteTimeUtc(destination));
            var stored = new StoredFile(relativePath, received.Size, received.Sha256, _time.GetUtcNow(), lastWrite);
            await _store.Files.SaveAsync(stored, CancellationToken.None).ConfigureAwait(false);
            return stored;
        }
        finally
        {
            commitLock.Release();
        }
    }

    /// <summary>Why a file cannot be stored at <paramref name="relativePath"/> (a folder is there, or a file where a folder must be); null when it can.</summary>
    public string? FindConflict(string relativePath)
    {
        var full = Resolve(relativePath);
        if (Directory.Exists(full))
        {
            return "a folder of that name exists";
        }
        for (var folder = Path.GetDirectoryName(full); folder is not null && folder.Length > Root.Length; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                return $"'{Path.GetRelativePath(Root, folder)}' is a file, not a folder";
            }
        }
        return null;
    }

    /// <summary>Removes a temporary file that will not be committed.</summary>
    public static void Discard(ReceivedFile received) => Discard(received.TemporaryPath);

    /// <summary>
    /// The file at a checked relative path and its record when the record still describes it
    /// (same size and modification time); null when there is no such file.
    /// </summary>
    public async Task<(FileInfo File, StoredFile? Record)?> FindAsync(string relativePath, CancellationToken cancellationToken)
    {
        var file = new FileInfo(Resolve(relativePath));
        if (!file.Exists)
        {
            return null;
        }
        var record = await _store.Files.GetOrNullAsync(relativePath, cancellationToken).ConfigureAwait(false);
        // A file replaced outside the server (or by a replica whose record lost the race) keeps a
        // stale record; a hash that does not describe the bytes is worse than none.
        var current = record is not null
            && record.Size == file.Length
            && record.LastWrite.ToUnixTimeMilliseconds() == new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeMilliseconds();
        return (file, current ? record : null);
    }

    /// <summary>Deletes a file, or a folder and everything in it when <paramref name="folders"/> is set, and forgets their records.</summary>
    public async Task<FileDeleteOutcome> DeleteAsync(string relativePath, bool folders, CancellationToken cancellationToken)
    {
        var full = Resolve(relativePath);
        FileDeleteOutcome outcome;
        if (File.Exists(full))
        {
            File.Delete(full);
            outcome = FileDeleteOutcome.Deleted;
        }
        else if (Directory.Exists(full))
        {
            if (!folders)
            {
                return FileDeleteOutcome.IsFolder;
            }
            Directory.Delete(full, recursive: true);
            outcome = FileDeleteOutcome.Deleted;
        }
        else
        {
            outcome = FileDeleteOutcome.NotFound;
        }
        // A record without a file (deleted by hand) is removed too.
        await _store.Files.RemoveAsync(relativePath, folders, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Removes temporary files left by uploads that a crash interrupted.</summary>
    public int RemoveAbandonedUploads()
    {
        var removed = 0;
        var cutoff = _time.GetUtcNow() - AbandonedAfter;
        foreach (var file in new DirectoryInfo(UploadsPath).EnumerateFiles("*.part"))
        {
            // Another replica on a shared root may be writing a recent one.
            if (file.LastWriteTimeUtc < cutoff.UtcDateTime)
            {
                Discard(file.FullName);
                removed++;
            }
        }
        return removed;
    }

    private static void Discard(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for RemoveAbandonedUploads.
        }
    }
}
