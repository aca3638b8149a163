using System.Net;
using Cairn.Core.Storage;
using Cairn.Server.Files;
using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Store.Sqlite;
using Cairn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>Deletion without orphans: deleting a model queues its file-server URL, and the queue survives restarts.</summary>
public sealed class FileDeletionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cairn-files-test-").FullName;
    private readonly int _filesPort = TestServer.FreePort();
    private TestServer? _server;

    private TestServer Server => _server!;

    public async Task InitializeAsync() => _server = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    // The files port is fixed so that a restarted server has the same files URL.
    // A one-second grace keeps the queue's tests short; the grace itself is tested with a long one.
    private Task<TestServer> StartAsync(int graceSeconds = 1) =>
        TestServer.StartAsync([$"--Cairn:FilesPort={_filesPort}", $"--Cairn:FileDeletionGraceSeconds={graceSeconds}"], dataDir: _dataDir);

    private string FilesUrl => $"http://127.0.0.1:{_filesPort}";

    private string StoredPath(string path) => Path.Combine(_dataDir, "files", path);

    [Fact]
    public async Task Deleting_a_model_deletes_its_weights_from_the_file_server()
    {
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        using var api = Server.Client();
        var path = "Deletions/train task.0123/models/model weights.bin";
        (await files.UploadAsync(path, FilesClient.RandomBytes(1_000))).EnsureSuccessStatusCode();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Deleted weights"), new { uri = $"{FilesUrl}/{FilesClient.Encode(path)}" });

        (await api.CallAsync("models.delete", new { model })).Ok();

        await EventuallyAsync(() => !File.Exists(StoredPath(path)));
        using var response = await files.GetAsync(FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await EventuallyAsync(async () => (await Server.Service<IMetadataStore>().Files.ListDeletionsAsync()).Count == 0);
    }

    [Fact]
    public async Task Weights_shared_by_two_models_stay_until_the_last_of_them_is_deleted()
    {
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        using var api = Server.Client();
        var path = "Deletions/shared/weights.bin";
        (await files.UploadAsync(path, FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        var uri = $"{FilesUrl}/{FilesClient.Encode(path)}";
        var first = await api.CreateModelAsync(ModelsApi.Unique("Shared weights"), new { uri });
        var second = await api.CreateModelAsync(ModelsApi.Unique("Shared weights"), new { uri });

        (await api.CallAsync("models.delete", new { model = first })).Ok();
        await EventuallyAsync(async () => (await Server.Service<IMetadataStore>().Files.ListDeletionsAsync()).Count == 0);
        Assert.True(File.Exists(StoredPath(path)));

        (await api.CallAsync("models.delete", new { model = second })).Ok();
        await EventuallyAsync(() => !File.Exists(StoredPath(path)));
    }

    [Fact]
    public async Task Deleting_models_whose_urls_are_on_another_server_or_local_queues_nothing()
    {
        using var api = Server.Client();
        var other = await api.CreateModelAsync(ModelsApi.Unique("Other server"), new { uri = "http://files.example.com:8081/a/model.bin" });
        var placeholder = await api.CreateModelAsync(ModelsApi.Unique("Local"), new { uri = "file:///uploading_file" });

        (await api.CallAsync("models.delete_many", new { ids = new[] { other, placeholder } })).Ok();

        Assert.Empty(await Server.Service<IMetadataStore>().Files.ListDeletionsAsync());
        Assert.False(await Server.Service<FileDeletionQueue>().EnqueueAsync($"{FilesUrl}/"));
    }

    [Fact]
    public async Task Replacing_a_models_uri_deletes_the_old_weights_from_the_file_server_and_keeps_the_new_ones()
    {
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        using var api = Server.Client();
        foreach (var name in new[] { "epoch1.pt", "epoch2.pt", "epoch3.pt" })
        {
            (await files.UploadAsync($"Replace/train.0123/models/{name}", FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        }
        string Url(string name) => $"{FilesUrl}/Replace/train.0123/models/{name}";
        var task = await api.CreateTaskAsync();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Checkpoints"), new { uri = Url("epoch1.pt"), task });
        (await api.CallAsync("tasks.add_or_update_model", new { task, name = "model", type = "output", model })).Ok();

        // The SDK's update_weights with a new file name: models.edit, or the legacy update_for_task.
        (await api.CallAsync("models.edit", new { model, uri = Url("epoch2.pt") })).Ok();
        (await api.CallAsync("v2.13/models.update_for_task", new { task, uri = Url("epoch3.pt") })).Ok();
        // The same uri again is no replacement.
        (await api.CallAsync("models.edit", new { model, uri = Url("epoch3.pt") })).Ok();

        await EventuallyAsync(() => !File.Exists(StoredPath("Replace/train.0123/models/epoch1.pt")) && !File.Exists(StoredPath("Replace/train.0123/models/epoch2.pt")));
        await EventuallyAsync(async () => (await Server.Service<IMetadataStore>().Files.ListDeletionsAsync()).Count == 0);
        Assert.True(File.Exists(StoredPath("Replace/train.0123/models/epoch3.pt")));
        Assert.Equal(Url("epoch3.pt"), (await api.GetModelAsync(model))["uri"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_deletion_queued_before_a_restart_is_carried_out_after_it()
    {
        using (var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server)))
        {
            (await files.UploadAsync("restart/model.bin", FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        }
        await Server.DisposeAsync();
        _server = null;
        // Queued while no server runs, as if the process had died before working through it.
        var store = new SqliteMetadataStore(Path.Combine(_dataDir, "cairn.db"));
        await store.Files.EnqueueDeletionAsync($"{FilesUrl}/restart/model.bin", DateTimeOffset.UtcNow);
        Assert.True(File.Exists(StoredPath("restart/model.bin")));

        _server = await StartAsync();

        await EventuallyAsync(() => !File.Exists(StoredPath("restart/model.bin")));
        await EventuallyAsync(async () => (await store.Files.ListDeletionsAsync()).Count == 0);
    }

    [Fact]
    public async Task A_file_stored_again_after_its_deletion_was_queued_is_kept()
    {
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        (await files.UploadAsync("reused/model.bin", FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        await Server.DisposeAsync();
        _server = null;
        var store = new SqliteMetadataStore(Path.Combine(_dataDir, "cairn.db"));
        await store.Files.EnqueueDeletionAsync($"{FilesUrl}/reused/model.bin", DateTimeOffset.UtcNow.AddMinutes(-5));

        _server = await StartAsync();

        await EventuallyAsync(async () => (await store.Files.ListDeletionsAsync()).Count == 0);
        Assert.True(File.Exists(StoredPath("reused/model.bin")));
    }

    [Fact]
    public async Task The_sdk_deletes_the_weights_itself_within_the_grace_period_and_gets_200()
    {
        await Server.DisposeAsync();
        _server = await StartAsync(graceSeconds: 600);
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        using var api = Server.Client();
        var path = "Grace/task.0123/models/model.bin";
        (await files.UploadAsync(path, FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Grace weights"), new { uri = $"{FilesUrl}/{FilesClient.Encode(path)}" });

        // Model.remove(delete_weights_file=True): models.delete, then the SDK's own DELETE.
        (await api.CallAsync("models.delete", new { model })).Ok();
        Assert.True(File.Exists(StoredPath(path)));
        Assert.Single(await Server.Service<IMetadataStore>().Files.ListDeletionsAsync());
        using var deleted = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.False(File.Exists(StoredPath(path)));

        // Nothing queued for it: an unknown file is still 404.
        using var unknown = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode("Grace/never/stored.bin"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_delete_of_weights_the_queue_removed_first_still_gets_200_for_one_more_grace_period()
    {
        await Server.DisposeAsync();
        var clock = new ShiftedTime();
        _server = await TestServer.StartAsync([$"--Cairn:FilesPort={_filesPort}", "--Cairn:FileDeletionGraceSeconds=600"],
            builder => builder.Services.AddSingleton<TimeProvider>(clock), dataDir: _dataDir);
        var job = Server.Service<IEnumerable<IHostedService>>().OfType<FileDeletionJob>().Single();
        using var files = new FilesClient(new Uri(FilesUrl + "/"), await FilesClient.TokenAsync(Server));
        using var api = Server.Client();
        var path = "Grace/late/model.bin";
        (await files.UploadAsync(path, FilesClient.RandomBytes(100))).EnsureSuccessStatusCode();
        var model = await api.CreateModelAsync(ModelsApi.Unique("Late delete"), new { uri = $"{FilesUrl}/{FilesClient.Encode(path)}" });
        (await api.CallAsync("models.delete", new { model })).Ok();

        await job.ProcessDueAsync(CancellationToken.None);
        Assert.True(File.Exists(StoredPath(path))); // Within the grace period.

        clock.Shift(TimeSpan.FromSeconds(601));
        await job.ProcessDueAsync(CancellationToken.None);
        Assert.False(File.Exists(StoredPath(path)));
        Assert.Equal(FileDeletionJob.DeletedMarker, Assert.Single(await Server.Service<IMetadataStore>().Files.ListDeletionsAsync()).LastError);
        using (var late = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path)))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        clock.Shift(TimeSpan.FromSeconds(601));
        await job.ProcessDueAsync(CancellationToken.None);
        Assert.Empty(await Server.Service<IMetadataStore>().Files.ListDeletionsAsync());
        using var gone = await files.SendAsync(HttpMethod.Delete, FilesClient.Encode(path));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>The system clock, moved forward on demand (the grace period is not waited out).</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        private long _offsetTicks;

        public void Shift(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
    }

    private static async Task EventuallyAsync(Func<bool> condition) => await EventuallyAsync(() => Task.FromResult(condition()));

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {Deadline.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
