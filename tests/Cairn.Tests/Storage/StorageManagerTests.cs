using System.IO.Compression;
using Cairn.Server.Files;
using Cairn.Session;
using Cairn.Storage;
using Cairn.Testing;
using Cairn.Tests.Session;
using Xunit;

namespace Cairn.Tests.Storage;

public sealed class StorageManagerTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly TempFolder _temp = new();

    private TestServer Server => fixture.Server;

    public void Dispose() => _temp.Dispose();

    private string Cache => Path.Combine(_temp.Path, "cache");

    [Fact]
    public async Task A_file_uploaded_to_the_file_server_comes_back_through_the_cache_with_its_hash()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "weights v1.bin", 3 * 1024 * 1024 + 17);
        var target = UploadDestination.ModelUrl(StorageTestKit.FilesHost(Server).ToString(), "My Project/sub", "train run", StorageTestKit.NewTaskId(), "weights v1.bin");
        var progress = new ProgressLog();

        var uploaded = await storage.UploadFileAsync(local, target, progress);

        Assert.Equal(target, uploaded.Url);
        Assert.Contains("/My%20Project/sub/train%20run.", uploaded.Url, StringComparison.Ordinal);
        Assert.Equal(new FileInfo(local).Length, uploaded.Size);
        Assert.Equal(StorageTestKit.Sha256(local), uploaded.Sha256);
        Assert.Equal(uploaded.Size, progress.Reports[^1].Bytes);
        Assert.True(await storage.ExistsAsync(uploaded.Url));

        var copy = await storage.GetLocalCopyAsync(uploaded.Url);
        Assert.StartsWith(storage.CacheFolder, copy, StringComparison.Ordinal);
        Assert.EndsWith(".weights%20v1.bin", copy, StringComparison.Ordinal);
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(copy));

        // A hit needs no server: the remote file is gone, the cached copy is still served.
        Assert.True(await storage.DeleteAsync(uploaded.Url));
        Assert.False(await storage.DeleteAsync(uploaded.Url));
        Assert.False(await storage.ExistsAsync(uploaded.Url));
        Assert.Equal(copy, await storage.GetLocalCopyAsync(uploaded.Url));
        await Assert.ThrowsAsync<FileNotFoundException>(() => storage.GetLocalCopyAsync(uploaded.Url, forceDownload: true));
    }

    [Fact]
    public async Task Names_with_non_ascii_and_reserved_characters_round_trip_through_the_file_server()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "w.bin", 4096);
        var taskId = StorageTestKit.NewTaskId();
        var target = UploadDestination.ModelUrl(StorageTestKit.FilesHost(Server).ToString(), "Café", "run #1; a+b", taskId, "modèle (final).bin");
        var uploaded = await storage.UploadFileAsync(local, target);
        // ClearML quotes project and task names once for the path and the whole path again for the URL.
        Assert.Equal($"{StorageTestKit.FilesHost(Server)}Caf%25C3%25A9/run%20%25231%3B%20a%2Bb.{taskId}/models/mod%C3%A8le%20%28final%29.bin", uploaded.Url);
        var stored = Path.Combine(Server.Service<FileStorage>().Root, "Caf%C3%A9", $"run %231; a+b.{taskId}", "models", "modèle (final).bin");
        Assert.True(File.Exists(stored), "the server stores the path the part was named with (UTF-8)");
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(await storage.GetLocalCopyAsync(uploaded.Url)));
    }

    [Fact]
    public async Task A_download_to_a_path_streams_the_file_and_keeps_an_existing_one_unless_told()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "a.bin", 100_000);
        var uploaded = await storage.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}dl/{StorageTestKit.NewTaskId()}/a.bin");
        var target = Path.Combine(_temp.Path, "out", "a.bin");
        Assert.Equal(target, await storage.DownloadFileAsync(uploaded.Url, target));
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(target));
        File.WriteAllText(target, "changed");
        await storage.DownloadFileAsync(uploaded.Url, target);
        Assert.Equal("changed", File.ReadAllText(target));
        await storage.DownloadFileAsync(uploaded.Url, target, overwrite: true);
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(target));
    }

    [Fact]
    public async Task A_corrupted_stored_file_fails_the_download_and_leaves_nothing_in_the_cache()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "c.bin", 64 * 1024);
        var relative = $"corrupt/{StorageTestKit.NewTaskId()}/c.bin";
        var uploaded = await storage.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}{relative}");
        var stored = Path.Combine(Server.Service<FileStorage>().Root, relative);
        // Flip a byte as bit rot would: same size and modification time, so the server's record still vouches for it.
        var written = File.GetLastWriteTimeUtc(stored);
        var bytes = File.ReadAllBytes(stored);
        bytes[100] ^= 0xFF;
        File.WriteAllBytes(stored, bytes);
        File.SetLastWriteTimeUtc(stored, written);

        var e = await Assert.ThrowsAsync<StorageIntegrityException>(() => storage.GetLocalCopyAsync(uploaded.Url));
        Assert.Equal(uploaded.Sha256, e.ExpectedSha256);
        Assert.NotEqual(uploaded.Sha256, e.ActualSha256);
        Assert.Contains(uploaded.Url, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.ActualSha256, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(storage.CacheFolder));
    }

    [Fact]
    public async Task A_download_that_differs_from_the_expected_hash_is_refused()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "e.bin", 10_000);
        var uploaded = await storage.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}expect/{StorageTestKit.NewTaskId()}/e.bin");
        var wrong = new string('0', 64);
        var e = await Assert.ThrowsAsync<StorageIntegrityException>(() => storage.GetLocalCopyAsync(uploaded.Url, new FileIntegrity(10_000, wrong)));
        Assert.Equal(wrong, e.ExpectedSha256);
        Assert.Equal(uploaded.Sha256, e.ActualSha256);
        Assert.Empty(Directory.EnumerateFiles(storage.CacheFolder));
        var good = await storage.GetLocalCopyAsync(uploaded.Url, new FileIntegrity(uploaded.Size, uploaded.Sha256.ToUpperInvariant()));
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(good));
        var outside = Path.Combine(_temp.Path, "e-copy.bin");
        await Assert.ThrowsAsync<StorageIntegrityException>(() => storage.DownloadFileAsync(uploaded.Url, outside, new FileIntegrity(9_999, null)));
        Assert.False(File.Exists(outside));
    }

    [Fact]
    public async Task The_token_goes_only_to_the_configured_files_host()
    {
        // The same server under another name is not "the files host": no token, so it refuses.
        var settings = StorageTestKit.Settings(Server, Cache) with { FilesHost = new Uri($"http://localhost:{Server.FilesPort}") };
        var (session, storage) = StorageTestKit.Open(settings);
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "t.bin", 1000);
        var e = await Assert.ThrowsAsync<StorageRequestException>(() => storage.UploadFileAsync(local, $"http://127.0.0.1:{Server.FilesPort}/x/t.bin"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, e.StatusCode);

        await using var foreign = await FakeServer.StartAsync();
        await storage.DownloadFileAsync(new Uri(foreign.Url, "some/file.bin").ToString(), Path.Combine(_temp.Path, "f.bin"));
        var request = Assert.Single(foreign.Requests);
        Assert.Equal("/some/file.bin", request.Path);
        Assert.False(request.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task File_urls_and_plain_paths_are_served_by_the_local_driver()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "src.bin", 5000);
        var targetPath = Path.Combine(_temp.Path, "store", "deep er", "dst.bin");
        var uploaded = await storage.UploadFileAsync(local, new Uri(targetPath).AbsoluteUri);
        Assert.Equal(StorageTestKit.Sha256(local), StorageTestKit.Sha256(targetPath));
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(targetPath));
        Assert.Equal(targetPath, await storage.GetLocalCopyAsync(uploaded.Url));
        Assert.Equal(targetPath, await storage.GetLocalCopyAsync(targetPath));
        Assert.True(await storage.ExistsAsync(targetPath));
        Assert.True(await storage.DeleteAsync(uploaded.Url));
        Assert.False(File.Exists(targetPath));
        await Assert.ThrowsAsync<FileNotFoundException>(() => storage.GetLocalCopyAsync(targetPath));
    }

    [Fact]
    public async Task Bad_input_fails_at_once_naming_the_problem()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "b.bin", 10);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => storage.UploadFileAsync(local, "s3://bucket/key.bin"));
        Assert.Contains("'s3'", e.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => storage.UploadFileAsync(Path.Combine(_temp.Path, "nope.bin"), "file:///tmp/x"));
        Assert.Contains("nope.bin", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FileNotFoundException>(() => storage.GetLocalCopyAsync($"{StorageTestKit.FilesHost(Server)}never/uploaded.bin"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}c/b.bin", cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task An_archive_is_extracted_next_to_its_cached_copy()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var folder = Path.Combine(_temp.Path, "package");
        StorageTestKit.RandomFile(folder, "model.bin", 2000);
        StorageTestKit.RandomFile(folder, "sub/config.json", 300);
        var zip = Path.Combine(_temp.Path, "package.zip");
        ZipFile.CreateFromDirectory(folder, zip);
        var uploaded = await storage.UploadFileAsync(zip, $"{StorageTestKit.FilesHost(Server)}zips/{StorageTestKit.NewTaskId()}/package.zip");

        var extracted = await storage.GetLocalCopyAsync(uploaded.Url, extractArchive: true);
        Assert.EndsWith(".package_artifacts_archive_None", extracted, StringComparison.Ordinal);
        Assert.Equal(StorageTestKit.Sha256(Path.Combine(folder, "sub/config.json")), StorageTestKit.Sha256(Path.Combine(extracted, "sub/config.json")));
        Assert.Equal(extracted, await storage.GetLocalCopyAsync(uploaded.Url, extractArchive: true));
        Assert.DoesNotContain(Directory.EnumerateDirectories(storage.CacheFolder), d => d.EndsWith(".extracting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cache_evicts_the_least_recently_used_entry_beyond_its_byte_limit_with_its_lock_file()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var session = new ClearMLSession(StorageTestKit.Settings(Server, Cache, cacheLimit: 2_500_000), timeProvider: clock);
        using var storage = new StorageManager(session);
        var urls = await UploadAsync(storage, "lru", "a", "b", "c");
        var a = await storage.GetLocalCopyAsync(urls[0]);
        clock.Now += TimeSpan.FromSeconds(10);
        var b = await storage.GetLocalCopyAsync(urls[1]);
        clock.Now += TimeSpan.FromMinutes(20);
        Assert.Equal(a, await storage.GetLocalCopyAsync(urls[0])); // a is now the most recent
        var c = await storage.GetLocalCopyAsync(urls[2]);
        Assert.True(File.Exists(a));
        Assert.False(File.Exists(b));
        Assert.True(File.Exists(c));
        var locks = Path.Combine(storage.CacheFolder, ".locks");
        Assert.False(File.Exists(Path.Combine(locks, KeyOf(b) + ".lock")), "an evicted entry's lock file goes with it");
        Assert.True(File.Exists(Path.Combine(locks, KeyOf(a) + ".lock")));

        // The evicted URL is filled again, under a new lock file, and the cache still serves it.
        clock.Now += TimeSpan.FromMinutes(20);
        Assert.Equal(b, await storage.GetLocalCopyAsync(urls[1]));
        Assert.True(File.Exists(b));
    }

    [Fact]
    public async Task An_entry_just_returned_to_a_caller_is_not_evicted_by_the_next_fill_even_over_the_limit()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var session = new ClearMLSession(StorageTestKit.Settings(Server, Cache, cacheLimit: 1_500_000), timeProvider: clock);
        using var storage = new StorageManager(session);
        var urls = await UploadAsync(storage, "recent", "a", "b", "c");

        var a = await storage.GetLocalCopyAsync(urls[0]);
        clock.Now += TimeSpan.FromSeconds(30);
        var b = await storage.GetLocalCopyAsync(urls[1]);

        // The caller of a may still be reading it: it stays although the cache is over its limit.
        Assert.True(File.Exists(a));
        Assert.True(File.Exists(b));

        // Once both were last used longer ago than the grace, the next fill evicts the older.
        clock.Now += LocalCache.RecentUse + TimeSpan.FromSeconds(1);
        var c = await storage.GetLocalCopyAsync(urls[2]);
        Assert.False(File.Exists(a));
        Assert.False(File.Exists(b));
        Assert.True(File.Exists(c));
    }

    private async Task<List<string>> UploadAsync(StorageManager storage, string folder, params string[] names)
    {
        var urls = new List<string>();
        foreach (var name in names)
        {
            var local = StorageTestKit.RandomFile(_temp.Path, $"{folder}-{name}", 1_000_000);
            urls.Add((await storage.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}{folder}/{StorageTestKit.NewTaskId()}/{name}")).Url);
        }
        return urls;
    }

    private static string KeyOf(string cachedPath) => Path.GetFileName(cachedPath).Split('.')[0];

    [Fact]
    public async Task Concurrent_copies_of_one_url_from_two_managers_share_one_complete_file()
    {
        var settings = StorageTestKit.Settings(Server, Cache);
        using var counting = new CountingHandler();
        await using var session1 = new ClearMLSession(settings, null, counting);
        await using var session2 = new ClearMLSession(settings, null, counting);
        using var storage1 = new StorageManager(session1);
        using var storage2 = new StorageManager(session2);
        var local = StorageTestKit.RandomFile(_temp.Path, "shared.bin", 2_000_000);
        var uploaded = await storage1.UploadFileAsync(local, $"{StorageTestKit.FilesHost(Server)}shared/{StorageTestKit.NewTaskId()}/shared.bin");
        var copies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? storage1 : storage2).GetLocalCopyAsync(uploaded.Url)));
        Assert.Single(copies.Distinct());
        Assert.Equal(uploaded.Sha256, StorageTestKit.Sha256(copies[0]));
        Assert.DoesNotContain(Directory.EnumerateFiles(storage1.CacheFolder), f => f.EndsWith(".partial", StringComparison.Ordinal));
        Assert.Equal(1, counting.Gets);
    }

    [Fact]
    public async Task New_bytes_of_the_same_size_at_the_same_url_replace_the_cached_copy_when_their_hash_is_expected()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var url = $"{StorageTestKit.FilesHost(Server)}same/{StorageTestKit.NewTaskId()}/w.bin";
        var first = await storage.UploadFileAsync(StorageTestKit.RandomFile(_temp.Path, "w1.bin", 50_000), url);
        var copy = await storage.GetLocalCopyAsync(url, new FileIntegrity(first.Size, first.Sha256));
        Assert.Equal(first.Sha256, StorageTestKit.Sha256(copy));

        var second = await storage.UploadFileAsync(StorageTestKit.RandomFile(_temp.Path, "w2.bin", 50_000), url);
        Assert.Equal(first.Size, second.Size);
        Assert.NotEqual(first.Sha256, second.Sha256);
        var fresh = await storage.GetLocalCopyAsync(url, new FileIntegrity(second.Size, second.Sha256));
        Assert.Equal(second.Sha256, StorageTestKit.Sha256(fresh));

        // A download to a path keeps an existing file only when it is what the caller expects.
        var target = Path.Combine(_temp.Path, "out", "w.bin");
        File.Copy(StorageTestKit.RandomFile(_temp.Path, "w3.bin", 50_000), Path.Combine(Directory.CreateDirectory(Path.GetDirectoryName(target)!).FullName, "w.bin"));
        await storage.DownloadFileAsync(url, target, new FileIntegrity(second.Size, second.Sha256));
        Assert.Equal(second.Sha256, StorageTestKit.Sha256(target));
    }

    [Fact]
    public async Task Disposing_the_manager_disposes_its_file_server_driver()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        var local = StorageTestKit.RandomFile(_temp.Path, "d.json", 100);
        var url = $"{StorageTestKit.FilesHost(Server)}disposed/{StorageTestKit.NewTaskId()}/d.json";
        await storage.UploadFileAsync(local, url);
        storage.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => storage.UploadFileAsync(local, url));
    }

    [Fact]
    public async Task A_download_answered_503_is_retried_with_the_session_backoff()
    {
        var (session, storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Cache));
        await using var _ = session;
        await using var foreign = await FakeServer.StartAsync();
        foreign.Answer = n => n == 1 ? 503 : 200;
        var target = await storage.DownloadFileAsync(new Uri(foreign.Url, "busy/file.bin").ToString(), Path.Combine(_temp.Path, "busy.bin"));
        Assert.Equal(2, foreign.Calls);
        Assert.Contains("answered", await File.ReadAllTextAsync(target), StringComparison.Ordinal);
    }
}
