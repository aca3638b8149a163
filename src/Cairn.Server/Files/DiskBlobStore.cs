using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cairn.Core.Blobs;

namespace Cairn.Server.Files;

/// <summary>
/// Blobs as files under one root on local disk (the default provider). Uploads stream into
/// <see cref="FilePath.UploadsFolder"/> on the same file system, so the rename on commit is
/// atomic: a file is visible whole or not at all.
/// </summary>
public sealed class DiskBlobStore : IBlobStore
{
    private readonly TimeProvider _time;

    // Temporary files of this process's live uploads: never abandoned, however long they idle.
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    public DiskBlobStore(string root, TimeProvider time)
    {
        Root = Path.GetFullPath(root);
        UploadsPath = Path.Combine(Root, FilePath.UploadsFolder);
        _time = time;
    }

    /// <summary>The storage root, a full path.</summary>
    public string Root { get; }

    public string Location => Root;

    private string UploadsPath { get; }

    /// <summary>Creates the root and its uploads folder, so a bad root fails the start rather than the first upload.</summary>
    /// <exception cref="IOException">The root cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The root cannot be created.</exception>
    public void CreateRoot() => Directory.CreateDirectory(UploadsPath);

    /// <summary>The full path of a checked key (see <see cref="FilePath"/>), verified to lie under the root.</summary>
    public string Resolve(string key)
    {
        var full = Path.GetFullPath(Path.Combine(Root, key));
        // FilePath already refuses '..' and absolute paths; this guards the guard.
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{key}' resolves outside the storage root.");
        }
        return full;
    }

    public Task<BlobInfo?> GetInfoOrNullAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(Resolve(key));
        return Task.FromResult(file.Exists ? Info(key, file) : null);
    }

    public Task<Stream?> OpenReadOrNullAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        FileStream file;
        try
        {
            file = new FileStream(Resolve(key), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0 });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException && !File.Exists(Resolve(key)))
        {
            return Task.FromResult<Stream?>(null);
        }
        file.Seek(offset, SeekOrigin.Begin);
        return Task.FromResult<Stream?>(length is { } count ? new LimitedReadStream(file, count) : file);
    }

    public Task<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        var destination = Resolve(key);
        var temporary = Path.Combine(UploadsPath, $"{Guid.NewGuid():N}.part");
        _live[temporary] = 0;
        try
        {
            return Task.FromResult<IBlobUpload>(new DiskUpload(key, destination, temporary, () => _live.TryRemove(temporary, out _)));
        }
        catch
        {
            _live.TryRemove(temporary, out _);
            throw;
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var full = Resolve(key);
        if (!File.Exists(full))
        {
            return Task.FromResult(false);
        }
        File.Delete(full);
        return Task.FromResult(true);
    }

    /// <summary>
    /// Deletes the files under <paramref name="prefix"/>; a prefix that names a folder
    /// (<c>a/b/</c>) takes the folder with it, and an empty folder counts as one deletion.
    /// </summary>
    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (prefix.EndsWith('/') && prefix.Length > 1)
        {
            var folder = Resolve(prefix.TrimEnd('/'));
            if (!Directory.Exists(folder))
            {
                return 0;
            }
            var count = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count();
            Directory.Delete(folder, recursive: true);
            return Math.Max(count, 1);
        }
        var deleted = 0;
        await foreach (var blob in ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            deleted += await DeleteAsync(blob.Key, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        return deleted;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? Root : Resolve(prefix[..slash]);
        if (!Directory.Exists(folder))
        {
            yield break;
        }
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(Root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(FilePath.UploadsFolder + "/", StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            yield return Info(key, file);
        }
    }

    /// <summary>Why a file cannot be stored at <paramref name="key"/> (a folder is there, or a file where a folder must be); null when it can.</summary>
    public string? FindConflict(string key)
    {
        var full = Resolve(key);
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

    /// <summary>Whether a folder (not a file) is at <paramref name="key"/>.</summary>
    public bool IsFolder(string key) => Directory.Exists(Resolve(key));

    /// <summary>
    /// Removes temporary files left by uploads whose server died: files that no live upload of this
    /// process owns and that nobody wrote for <paramref name="age"/>. Another replica on a shared
    /// root may be writing one; its uploads are cut after their idle timeout, so keep
    /// <paramref name="age"/> well above it.
    /// </summary>
    public int RemoveAbandonedUploads(TimeSpan age)
    {
        var removed = 0;
        var cutoff = _time.GetUtcNow() - age;
        foreach (var file in new DirectoryInfo(UploadsPath).EnumerateFiles("*.part"))
        {
            if (!_live.ContainsKey(file.FullName) && file.LastWriteTimeUtc < cutoff.UtcDateTime && TryDelete(file.FullName))
            {
                removed++;
            }
        }
        return removed;
    }

    private static BlobInfo Info(string key, FileInfo file) => new(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc));

    private static bool TryDelete(string path)
    {
        try
        {
            // Two replicas may remove one file at once: a file already gone is not an error.
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for RemoveAbandonedUploads.
            return false;
        }
    }

    private sealed class DiskUpload(string key, string destination, string temporary, Action finished) : IBlobUpload
    {
        private readonly List<ReadOnlyMemory<byte>> _segments = [];
        private Microsoft.Win32.SafeHandles.SafeFileHandle? _file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        private bool _committed;

        public long Size { get; private set; }

        public ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
        {
            var file = _file ?? throw new InvalidOperationException("The upload is finished.");
            // One pwritev of the pipe's segments: no copy. Synchronous, because the caller hands
            // large chunks to another thread itself while it hashes.
            _segments.Clear();
            foreach (var segment in data)
            {
                _segments.Add(segment);
            }
            RandomAccess.Write(file, _segments, Size);
            Size += data.Length;
            return ValueTask.CompletedTask;
        }

        public Task<BlobInfo> CommitAsync(CancellationToken cancellationToken = default)
        {
            _file?.Dispose();
            _file = null;
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (Directory.Exists(destination))
            {
                throw new IOException($"'{key}' is a folder.");
            }
            File.Move(temporary, destination, overwrite: true);
            _committed = true;
            finished();
            return Task.FromResult(Info(key, new FileInfo(destination)));
        }

        public ValueTask DisposeAsync()
        {
            _file?.Dispose();
            _file = null;
            if (!_committed)
            {
                TryDelete(temporary);
            }
            finished();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Reads at most a given number of bytes of an inner stream, and owns it.</summary>
internal sealed class LimitedReadStream(Stream inner, long length) : Stream
{
    private long _remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0)
        {
            return 0;
        }
        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining <= 0)
        {
            return 0;
        }
        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        _remaining -= read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
