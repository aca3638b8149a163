using System.Text.Json.Nodes;
using Cairn.Server.Files;
using Cairn.Session;
using Cairn.Storage;
using Cairn.Testing;
using Cairn.Tests.Storage;
using Xunit;

namespace Cairn.Tests.Artifacts;

public sealed class ArtifactTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly TempFolder _temp = new();

    private ClearMLSession _session = null!;

    private StorageManager _storage = null!;

    private TestServer Server => fixture.Server;

    public Task InitializeAsync()
    {
        (_session, _storage) = StorageTestKit.Open(StorageTestKit.Settings(Server, Path.Combine(_temp.Path, "cache")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _temp.Dispose();
    }

    private sealed record Metrics(double Accuracy, List<string> Classes);

    private async Task<Experiment> NewExperimentAsync(string taskName = "train run")
    {
        var projectName = "Artifacts " + Guid.NewGuid().ToString("N")[..8];
        var projectId = (await _session.CallAsync("projects.create", new { name = projectName, description = "" }))["id"]!.GetValue<string>();
        var taskId = (await _session.CallAsync("tasks.create", new { name = taskName, type = "training", project = projectId }))["id"]!.GetValue<string>();
        return new Experiment(_session, _storage, taskId, taskName, projectId, projectName, outputUri: null);
    }

    private async Task<JsonObject> StoredRecordAsync(Experiment experiment, string name)
    {
        var task = (await _session.CallAsync("tasks.get_by_id", new { task = experiment.Id }))["task"]!;
        return task["execution"]!["artifacts"]!.AsArray().OfType<JsonObject>().Single(a => a["key"]!.GetValue<string>() == name);
    }

    [Fact]
    public async Task Each_kind_of_object_is_stored_with_its_type_hash_size_and_preview()
    {
        var experiment = await NewExperimentAsync();
        var file = StorageTestKit.RandomFile(_temp.Path, "weights.bin", 50_000);
        var folder = Path.Combine(_temp.Path, "data set");
        StorageTestKit.RandomFile(folder, "a.bin", 1000);
        StorageTestKit.RandomFile(folder, "nested/b.bin", 2000);

        var fileArtifact = await experiment.UploadArtifactAsync("weights", file, new Dictionary<string, string> { ["epoch"] = "3" });
        await experiment.UploadArtifactAsync("data", new DirectoryInfo(folder));
        await experiment.UploadArtifactAsync("notes", "hello artifacts");
        await experiment.UploadArtifactAsync("raw", new byte[] { 1, 2, 3, 4 });
        await experiment.UploadArtifactAsync("metrics", new Metrics(0.93, ["cat", "dog"]));
        await experiment.UploadArtifactAsync("external", "s3://bucket/some/model.pt");

        Assert.True(File.Exists(file), "the user's own file is never deleted");
        var weights = await StoredRecordAsync(experiment, "weights");
        Assert.Equal("custom", weights["type"]!.GetValue<string>());
        Assert.Equal(StorageTestKit.Sha256(file), weights["hash"]!.GetValue<string>());
        Assert.Equal(50_000, weights["content_size"]!.GetValue<long>());
        Assert.Equal("output", weights["mode"]!.GetValue<string>());
        Assert.Equal("application/octet-stream", weights["type_data"]!["content_type"]!.GetValue<string>());
        Assert.Equal("""[["epoch","3"]]""", weights["display_data"]!.ToJsonString());
        Assert.Equal(fileArtifact.Url, weights["uri"]!.GetValue<string>());
        Assert.Equal($"{StorageTestKit.FilesHost(Server)}{experiment.ProjectName!.Replace(" ", "%20", StringComparison.Ordinal)}/train%20run.{experiment.Id}/artifacts/weights/weights.bin",
            fileArtifact.Url);

        var data = await StoredRecordAsync(experiment, "data");
        Assert.Equal("archive", data["type"]!.GetValue<string>());
        Assert.EndsWith("/artifacts/data/data%20set.zip", data["uri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("nested/b.bin - 2000 bytes", data["type_data"]!["preview"]!.GetValue<string>(), StringComparison.Ordinal);

        var notes = await StoredRecordAsync(experiment, "notes");
        Assert.Equal("string", notes["type"]!.GetValue<string>());
        Assert.Equal("hello artifacts", notes["type_data"]!["preview"]!.GetValue<string>());
        Assert.Equal("text/plain", notes["type_data"]!["content_type"]!.GetValue<string>());

        Assert.Equal("dict", (await StoredRecordAsync(experiment, "metrics"))["type"]!.GetValue<string>());
        Assert.Equal(4, (await StoredRecordAsync(experiment, "raw"))["content_size"]!.GetValue<long>());
        var external = await StoredRecordAsync(experiment, "external");
        Assert.Equal("s3://bucket/some/model.pt", external["uri"]!.GetValue<string>());
        Assert.Null(external["hash"]);
    }

    [Fact]
    public async Task Artifacts_read_back_from_the_server_give_their_content()
    {
        var experiment = await NewExperimentAsync();
        var folder = Path.Combine(_temp.Path, "package");
        StorageTestKit.RandomFile(folder, "model.bin", 3000);
        await experiment.UploadArtifactAsync("notes", "some text\nwith lines");
        await experiment.UploadArtifactAsync("metrics", new Metrics(0.5, ["a"]));
        await experiment.UploadArtifactAsync("raw", new MemoryStream([9, 8, 7]));
        await experiment.UploadArtifactAsync("package", folder);

        var reopened = new Experiment(_session, _storage, experiment.Id, experiment.Name, experiment.ProjectId, experiment.ProjectName, null);
        Assert.Empty(reopened.Artifacts);
        var artifacts = await reopened.RefreshArtifactsAsync();
        Assert.Equal(["metrics", "notes", "package", "raw"], artifacts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("some text\nwith lines", await artifacts["notes"].GetAsync<string>());
        Assert.Equal(new Metrics(0.5, ["a"]).Classes, (await artifacts["metrics"].GetAsync<Metrics>()).Classes);
        Assert.Equal(0.5, (await artifacts["metrics"].GetAsync<Metrics>()).Accuracy);
        Assert.Equal([9, 8, 7], await artifacts["raw"].GetAsync<byte[]>());
        var extracted = await artifacts["package"].GetLocalCopyAsync();
        Assert.EndsWith("_artifacts_archive_package", extracted, StringComparison.Ordinal);
        Assert.Equal(StorageTestKit.Sha256(Path.Combine(folder, "model.bin")), StorageTestKit.Sha256(Path.Combine(extracted, "model.bin")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => artifacts["raw"].GetAsync<Metrics>());
    }

    [Fact]
    public async Task An_artifact_uploaded_again_under_its_name_replaces_the_first()
    {
        var experiment = await NewExperimentAsync();
        await experiment.UploadArtifactAsync("best", "first");
        var second = await experiment.UploadArtifactAsync("best", "second");
        var record = await StoredRecordAsync(experiment, "best");
        Assert.Equal(second.Hash, record["hash"]!.GetValue<string>());
        Assert.Equal("second", await experiment.Artifacts["best"].GetAsync<string>());
    }

    [Fact]
    public async Task Flush_waits_for_uploads_nobody_awaited_and_surfaces_their_failures()
    {
        var experiment = await NewExperimentAsync();
        _ = experiment.UploadArtifactAsync("late", new string('x', 100_000));
        await experiment.FlushArtifactsAsync(CancellationToken.None);
        Assert.Equal(100_000, (await StoredRecordAsync(experiment, "late"))["content_size"]!.GetValue<long>());

        var ghost = new Experiment(_session, _storage, Guid.NewGuid().ToString("N"), "ghost", experiment.ProjectId, experiment.ProjectName, null);
        var failing = ghost.UploadArtifactAsync("x", "y");
        var refused = await Assert.ThrowsAsync<ClearMLRequestException>(() => ghost.FlushArtifactsAsync(CancellationToken.None));
        Assert.Equal("tasks.add_or_update_artifacts", refused.Endpoint);
        Assert.Equal(400, refused.ResultCode);
        await Assert.ThrowsAsync<ClearMLRequestException>(() => failing);

        // The failure was reported once; the refused upload's file was deleted, not left as an orphan.
        await ghost.FlushArtifactsAsync(CancellationToken.None);
        var root = Server.Service<FileStorage>().Root;
        Assert.DoesNotContain(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories), f => f.Contains(ghost.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Names_with_slashes_and_dots_never_become_paths_of_the_temp_files()
    {
        var experiment = await NewExperimentAsync();
        var nested = await experiment.UploadArtifactAsync("a/b", "nested text");
        var escaping = await experiment.UploadArtifactAsync("../../escape", new byte[] { 1, 2 });
        Assert.Equal("nested text", await nested.GetAsync<string>());
        Assert.Equal([1, 2], await escaping.GetAsync<byte[]>());
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "..", "escape.bin")));
    }

    [Fact]
    public async Task A_dict_written_by_python_reads_into_a_record_whatever_the_case_of_its_keys()
    {
        var experiment = await NewExperimentAsync();
        var pythonDict = StorageTestKit.RandomFile(_temp.Path, "metrics.json", 1);
        File.WriteAllText(pythonDict, """{"accuracy": 0.75, "classes": ["x", "y"]}""");
        var uploaded = await experiment.UploadArtifactAsync("metrics", new FileInfo(pythonDict));
        var read = await uploaded.GetAsync<Metrics>();
        Assert.Equal(0.75, read.Accuracy);
        Assert.Equal(["x", "y"], read.Classes);
        var written = await experiment.UploadArtifactAsync("written", new Metrics(0.25, ["z"]));
        Assert.Contains("\"accuracy\"", await File.ReadAllTextAsync(await written.GetLocalCopyAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Objects_that_cannot_be_stored_are_refused_naming_the_artifact()
    {
        var experiment = await NewExperimentAsync();
        var loop = new Node();
        loop.Next = loop;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => experiment.UploadArtifactAsync("loop", loop));
        Assert.Contains("'loop'", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => experiment.UploadArtifactAsync(" ", "x"));
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }
}
