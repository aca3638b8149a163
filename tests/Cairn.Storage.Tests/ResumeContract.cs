using Cairn.Configuration;
using Cairn.Session;
using Xunit;

namespace Cairn.Storage.Tests;

/// <summary>
/// Resuming a large upload, on the stores whose uploads go in parts (S3 multipart, Azure blocks).
/// A kill is simulated by cancelling once half the file is stored, which leaves what a kill
/// leaves: the journal beside the cache and the parts in the store. The bytes sent are counted
/// on the wire, by a relay in front of the emulator. (The Cloud Storage emulator ends a resumable
/// session at its first chunk, so gs:// uploads are not resumed; see the driver's README.)
/// </summary>
public abstract partial class StorageAccessContract
{
    private const int Parts = 8;

    /// <summary>The part size the tests configure: 5 MiB, S3's minimum.</summary>
    private const int PartSize = 5 << 20;

    [Fact]
    public async Task An_upload_killed_at_half_resumes_sending_at_most_55_percent_and_stores_the_right_bytes()
    {
        var file = RandomFile("resume.bin", Parts * PartSize);
        var size = new FileInfo(file).Length;
        await using var proxy = new CountingProxy(Endpoint);
        var (settings, bucket) = Through(proxy.Authority, Path.Combine(Folder, "resume-cache"));
        settings = Large(settings);
        var url = $"{bucket}/resume/resume.bin";

        await KillAtHalfAsync(settings, file, url);
        Assert.Single(Journals(settings));
        Assert.False(await Storage.ExistsAsync(url.Replace(bucket, Bucket, StringComparison.Ordinal)));
        var before = proxy.BytesUp;

        // A new process: a new session and manager over the same cache folder.
        var reports = new List<TransferProgress>();
        var (_, storage) = Open(settings);
        using (storage)
        {
            var result = await storage.UploadFileAsync(file, url, new SyncProgress(reports.Add));
            Assert.Equal(Sha256(file), result.Sha256);
            Assert.Equal(size, result.Size);
            var sentAgain = proxy.BytesUp - before;
            Assert.True(sentAgain <= size * 0.55, $"sent {sentAgain} of {size} bytes again");
            // Progress counts the parts already stored as they are checked, never goes back, and ends at the whole file.
            Assert.Equal(reports.Select(r => r.Bytes).Order(), reports.Select(r => r.Bytes));
            Assert.Equal(size, reports[^1].Bytes);
            Assert.Empty(Journals(settings));
            var copy = await storage.GetLocalCopyAsync(url, new FileIntegrity(result.Size, result.Sha256), forceDownload: true);
            Assert.Equal(Sha256(file), Sha256(copy));
        }
    }

    [Fact]
    public async Task An_interrupted_upload_of_a_file_that_changed_since_starts_over_and_stores_the_new_bytes()
    {
        var file = RandomFile("changed.bin", Parts * PartSize);
        var size = new FileInfo(file).Length;
        await using var proxy = new CountingProxy(Endpoint);
        var (settings, bucket) = Through(proxy.Authority, Path.Combine(Folder, "changed-cache"));
        settings = Large(settings);
        var url = $"{bucket}/changed/changed.bin";
        await KillAtHalfAsync(settings, file, url);

        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)size));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var before = proxy.BytesUp;
        var (_, storage) = Open(settings);
        using (storage)
        {
            var result = await storage.UploadFileAsync(file, url);
            Assert.Equal(Sha256(file), result.Sha256);
            Assert.True(proxy.BytesUp - before >= size, $"sent {proxy.BytesUp - before} of {size} bytes: old parts were reused");
            var copy = await storage.GetLocalCopyAsync(url, new FileIntegrity(result.Size, result.Sha256));
            Assert.Equal(Sha256(file), Sha256(copy));
            Assert.Empty(Journals(settings));
        }
    }

    [Fact]
    public async Task An_interrupted_upload_older_than_the_resume_age_starts_over()
    {
        var file = RandomFile("old.bin", Parts * PartSize);
        var size = new FileInfo(file).Length;
        await using var proxy = new CountingProxy(Endpoint);
        var (settings, bucket) = Through(proxy.Authority, Path.Combine(Folder, "old-cache"));
        settings = Large(settings);
        var url = $"{bucket}/old/old.bin";
        await KillAtHalfAsync(settings, file, url);

        var before = proxy.BytesUp;
        await using var later = new ClearMLSession(settings, timeProvider: new LaterTime(TimeSpan.FromHours(25)));
        using var storage = new StorageManager(later);
        var result = await storage.UploadFileAsync(file, url);
        Assert.Equal(Sha256(file), result.Sha256);
        Assert.True(proxy.BytesUp - before >= size, $"sent {proxy.BytesUp - before} of {size} bytes: a stale upload was resumed");
        Assert.Empty(Journals(settings));
    }

    /// <summary>Starts the upload and cancels it once half the file is reported stored.</summary>
    private static async Task KillAtHalfAsync(ClearMLSettings settings, string file, string url)
    {
        var size = new FileInfo(file).Length;
        using var kill = new CancellationTokenSource();
        var (session, storage) = Open(settings);
        using (storage)
        await using (session)
        {
            var progress = new SyncProgress(p =>
            {
                if (p.Bytes >= size / 2)
                {
                    kill.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.UploadFileAsync(file, url, progress, kill.Token));
        }
    }

    private ClearMLSettings Large(ClearMLSettings settings) =>
        With(settings, ("multipart_threshold", 8 << 20), ("multipart_chunksize", PartSize), ("max_concurrency", 2));

    private static string[] Journals(ClearMLSettings settings)
    {
        var folder = Path.Combine(settings.CacheDirectory!, "storage_manager", "uploads");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.upload") : [];
    }

    private sealed class LaterTime(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
