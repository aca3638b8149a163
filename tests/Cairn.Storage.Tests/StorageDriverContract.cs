using System.Security.Cryptography;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Storage.Tests;

/// <summary>
/// The contract every object-store driver keeps, run through <see cref="StorageManager"/> against a
/// real emulator. A subclass names the store, makes a fresh bucket and builds settings for it.
/// </summary>
public abstract class StorageDriverContract : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cairn-storage-").FullName;

    private readonly Lazy<(ClearMLSession Session, StorageManager Storage)> _open;

    protected StorageDriverContract() => _open = new(() => Open(Settings(_folder)));

    protected StorageManager Storage => _open.Value.Storage;

    protected string Folder => _folder;

    /// <summary>A URL prefix in a bucket that exists (created for this test class instance).</summary>
    protected abstract string Bucket { get; }

    /// <summary>Settings with working credentials for the store and a cache in <paramref name="cache"/>.</summary>
    protected abstract ClearMLSettings Settings(string cache);

    /// <summary>The store's configuration block (<c>sdk.aws.s3</c>, …), for the transfer keys.</summary>
    protected abstract string Root { get; }

    /// <summary>The emulator's address (what <see cref="CountingProxy"/> relays to).</summary>
    protected abstract Uri Endpoint { get; }

    /// <summary>Settings that reach the store through <paramref name="authority"/> (a relay), and the bucket URL as seen through it.</summary>
    protected abstract (ClearMLSettings Settings, string Bucket) Through(string authority, string cache);

    /// <summary><paramref name="settings"/> with more configuration keys of <see cref="Root"/>.</summary>
    protected ClearMLSettings With(ClearMLSettings settings, params (string Key, long Value)[] keys)
    {
        var blocks = new Dictionary<string, string>(settings.StorageBlocks);
        foreach (var (key, value) in keys)
        {
            blocks[$"{Root}.{key}"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return settings with { StorageBlocks = blocks };
    }

    protected static (ClearMLSession, StorageManager) Open(ClearMLSettings settings)
    {
        var session = new ClearMLSession(settings);
        return (session, new StorageManager(session));
    }

    protected static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts the emulators.");

    protected string RandomFile(string name, int size)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    protected static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task An_uploaded_file_downloads_with_the_same_bytes()
    {
        var file = RandomFile("weights.bin", 300_000);
        var url = $"{Bucket}/project/task.0123/models/weights.bin";
        var result = await Storage.UploadFileAsync(file, url);
        Assert.Equal(url, result.Url);
        Assert.Equal(300_000, result.Size);
        Assert.Equal(Sha256(file), result.Sha256);
        var copy = await Storage.GetLocalCopyAsync(url, new FileIntegrity(result.Size, result.Sha256));
        Assert.Equal(Sha256(file), Sha256(copy));
        var target = Path.Combine(_folder, "out", "copy.bin");
        await Storage.DownloadFileAsync(url, target);
        Assert.Equal(Sha256(file), Sha256(target));
    }

    [Fact]
    public async Task Exists_and_delete_see_what_is_stored()
    {
        var url = $"{Bucket}/a/b/file.bin";
        Assert.False(await Storage.ExistsAsync(url));
        await Storage.UploadFileAsync(RandomFile("e.bin", 1000), url);
        Assert.True(await Storage.ExistsAsync(url));
        Assert.True(await Storage.DeleteAsync(url));
        Assert.False(await Storage.ExistsAsync(url));
        Assert.False(await Storage.DeleteAsync(url));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Storage.GetLocalCopyAsync(url));
    }

    [Fact]
    public async Task List_returns_the_urls_under_a_folder()
    {
        await Storage.UploadFileAsync(RandomFile("l1.bin", 10), $"{Bucket}/list/one.bin");
        await Storage.UploadFileAsync(RandomFile("l2.bin", 10), $"{Bucket}/list/sub/two.bin");
        await Storage.UploadFileAsync(RandomFile("l3.bin", 10), $"{Bucket}/other/three.bin");
        var listed = new List<string>();
        await foreach (var url in Storage.ListAsync($"{Bucket}/list"))
        {
            listed.Add(url);
        }
        Assert.Equal([$"{Bucket}/list/one.bin", $"{Bucket}/list/sub/two.bin"], listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_file_above_the_multipart_threshold_goes_up_in_parts_and_comes_back_whole()
    {
        var file = RandomFile("large.bin", (12 << 20) + 12345);
        var url = $"{Bucket}/large/large.bin";
        var reports = new List<TransferProgress>();
        var result = await Storage.UploadFileAsync(file, url, new SyncProgress(reports.Add));
        Assert.Equal(Sha256(file), result.Sha256);
        Assert.Equal(new FileInfo(file).Length, reports.Max(r => r.Bytes));
        var copy = await Storage.GetLocalCopyAsync(url, new FileIntegrity(result.Size, result.Sha256));
        Assert.Equal(Sha256(file), Sha256(copy));
    }

    [Fact]
    public async Task A_download_with_other_bytes_than_recorded_fails_and_caches_nothing()
    {
        var file = RandomFile("c.bin", 5000);
        var url = $"{Bucket}/checksum/c.bin";
        await Storage.UploadFileAsync(file, url);
        var wrong = new FileIntegrity(5000, new string('0', 64));
        var e = await Assert.ThrowsAsync<StorageIntegrityException>(() => Storage.GetLocalCopyAsync(url, wrong));
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Storage.CacheFolder, "c.bin", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_model_uploaded_through_an_experiment_is_found_downloaded_verified_and_deleted()
    {
        await using var server = await TestServer.StartAsync();
        var settings = Settings(Path.Combine(_folder, "e2e-cache")) with
        {
            ApiHost = server.ApiUrl,
            AccessKey = TestServer.AccessKey,
            SecretKey = TestServer.SecretKey,
        };
        await using var session = new ClearMLSession(settings);
        var experiment = await Experiment.InitAsync("blobs " + Guid.NewGuid().ToString("N")[..8], "train run", outputUri: Bucket + "/models", session: session);
        var model = new OutputModel(experiment, name: "net");
        var file = RandomFile("net.bin", 200_000);

        var stored = await model.UpdateWeightsAsync(file, autoDeleteFile: false);
        await OutputModel.WaitForUploadsAsync(TimeSpan.FromMinutes(2));

        // ClearML's layout: <destination>/<project>/<task name>.<task id>/models/<file>.
        var url = $"{Bucket}/models/{experiment.ProjectName}/train run.{experiment.Id}/models/net.bin";
        Assert.Equal(url, stored);
        var found = await Model.GetAsync(model.Id, session);
        Assert.Equal(url, found.Url);
        var copy = await found.GetLocalCopyAsync();
        Assert.Equal(Sha256(file), Sha256(copy));
        Assert.True(await Storage.ExistsAsync(url));
        Assert.True(await found.RemoveAsync(deleteWeightsFile: true, force: true));
        Assert.False(await Storage.ExistsAsync(url));
    }

    [Fact]
    public async Task A_destination_in_a_bucket_without_credentials_fails_when_it_is_set()
    {
        await using var server = await TestServer.StartAsync();
        var settings = new ClearMLSettings { ApiHost = server.ApiUrl, AccessKey = TestServer.AccessKey, SecretKey = TestServer.SecretKey, CacheDirectory = _folder };
        await using var session = new ClearMLSession(settings);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Experiment.InitAsync("blobs nocreds", "run", outputUri: Bucket + "/models", session: session));
        Assert.Equal("outputUri", e.ParamName);
        Assert.Contains(Bucket + "/models", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_object_downloads_in_parallel_ranges_into_the_cache_and_is_verified()
    {
        var file = RandomFile("ranged.bin", (6 << 20) + 4321);
        var url = $"{Bucket}/ranged/ranged.bin";
        var stored = await Storage.UploadFileAsync(file, url);
        await using var proxy = new CountingProxy(Endpoint);
        var (settings, bucket) = Through(proxy.Authority, Path.Combine(_folder, "ranged-cache"));
        var (_, storage) = Open(With(settings, ("download_threshold", 1 << 20), ("download_chunksize", 1 << 20), ("download_concurrency", 4)));
        using (storage)
        {
            var reports = new List<TransferProgress>();
            var copy = await storage.GetLocalCopyAsync($"{bucket}/ranged/ranged.bin", new FileIntegrity(stored.Size, stored.Sha256), progress: new SyncProgress(reports.Add));
            Assert.Equal(Sha256(file), Sha256(copy));
            Assert.Equal(stored.Size, reports[^1].Bytes);
            Assert.Equal(stored.Size, reports.Max(r => r.Bytes));
            // Four ranges in flight at once need more than the one connection a single stream uses.
            Assert.True(proxy.Connections >= 2, $"{proxy.Connections} connection(s)");
        }
    }

    [Fact]
    public async Task An_object_that_changes_between_ranges_fails_clearly_and_leaves_no_file()
    {
        var url = $"{Bucket}/changing/model.bin";
        await Storage.UploadFileAsync(RandomFile("v1.bin", 4 << 20), url);
        var (_, storage) = Open(With(Settings(Path.Combine(_folder, "changing-cache")), ("download_threshold", 1 << 20), ("download_chunksize", 1 << 20), ("download_concurrency", 1)));
        using (storage)
        {
            var firstRange = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var overwritten = new ManualResetEventSlim();
            // The first range in, the download waits (bounded) while the object is replaced.
            var progress = new SyncProgress(p =>
            {
                if (p.Bytes >= 1 << 20 && firstRange.TrySetResult())
                {
                    overwritten.Wait(TimeSpan.FromMinutes(2));
                }
            });
            var download = storage.GetLocalCopyAsync(url, progress: progress);
            await firstRange.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await Storage.UploadFileAsync(RandomFile("v2.bin", 4 << 20), url);
            overwritten.Set();
            var e = await Assert.ThrowsAsync<StorageObjectChangedException>(() => download);
            Assert.Contains(url, e.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(storage.CacheFolder, "*model.bin*", SearchOption.AllDirectories));
        }
    }

    protected const string WrongSecret = "not-the-secret-4f1c9a";

    public void Dispose()
    {
        if (_open.IsValueCreated)
        {
            _open.Value.Storage.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
