using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Workflow;

/// <summary>
/// The ClearML Python SDK's model workflow (sdk-calls.md §8.1 and §9), replayed call by call as
/// raw HTTP against the real server: what the SDK sends, and the answers it depends on.
/// </summary>
public sealed class SdkWorkflowTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task A_training_run_registers_publishes_and_hands_over_its_model()
    {
        using var api = _server.Client();
        var token = await api.LoginAsync();
        var filesHost = $"http://127.0.0.1:{_server.FilesPort}";
        var projectName = $"Trace/Proj {Guid.NewGuid():N}"[..24];

        // Task.init: find the project by its escaped, anchored name; create it when missing.
        var found = await Call(api, "projects.get_all", new { name = "^" + EscapeRegex(projectName) + "$", only_fields = new[] { "id" }, search_hidden = true, shallow_search = false });
        Assert.Empty(found["projects"]!.AsArray());
        var project = (await Call(api, "projects.create", new { name = projectName, description = "" }))["id"]!.GetValue<string>();
        var task = await StartTaskAsync(api, project, "trace task");

        // A task scalar and a single value, as one json-lines batch.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Batch(api,
            new { timestamp = now, type = "training_stats_scalar", task, iter = 1, metric = "loss", variant = "train", value = 0.5, allow_locked = false, model_event = false },
            new { timestamp = now, type = "training_stats_scalar", task, iter = int.MinValue, metric = "Summary", variant = "acc", value = 0.9, allow_locked = false, model_event = false });

        // OutputModel.update_weights: placeholder uri, edit, link to the task, upload, real uri.
        var model = (await Call(api, "models.create", new { uri = $"{filesHost}/uploading_file", name = "Anonymous model", labels = new { }, project, @public = false, ready = false }))["id"]!.GetValue<string>();
        await Call(api, "models.get_by_id", new { model });
        await Call(api, "models.edit", new { model, name = "trace model", comment = $"Created by task id: {task}", design = new { design = "" }, framework = "PyTorch", labels = new { a = 1 }, project, task, uri = $"{filesHost}/uploading_file" });
        await Call(api, "tasks.add_or_update_model", new { task, name = "w", model, type = "output" });
        var weights = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("weights-", 4096)));
        var path = $"/{projectName}/trace task.{task}/models/w.bin";
        await UploadAsync(token, path, weights, "application/octet-stream");
        var uri = $"{filesHost}{Uri.EscapeDataString(path).Replace("%2F", "/", StringComparison.Ordinal)}";
        await Call(api, "models.edit", new { model, uri, iteration = 3 });
        var registered = (await Call(api, "models.get_by_id", new { model }))["model"]!;
        Assert.Equal(uri, registered["uri"]!.GetValue<string>());
        Assert.Equal(task, registered["task"]!.GetValue<string>());
        Assert.Equal(1, registered["labels"]!["a"]!.GetValue<int>());

        // set_metadata, a model scalar (before publishing: a ready model refuses events), publish.
        await Call(api, "models.add_or_update_metadata", new { model, metadata = new[] { new { key = "epochs", type = "int", value = "10" } }, replace_metadata = false });
        await Batch(api, new { timestamp = now, type = "training_stats_scalar", task = model, iter = 3, metric = "val", variant = "acc", value = 0.8, allow_locked = false, model_event = true });
        await Call(api, "models.set_ready", new { model, publish_task = false });
        var published = (await Call(api, "models.get_by_id", new { model }))["model"]!;
        Assert.True(published["ready"]!.GetValue<bool>());
        Assert.Equal("10", published["metadata"]!["epochs"]!["value"]!.GetValue<string>());
        Assert.NotNull(published["last_metrics"]);

        // upload_artifact: the file, then its registration on the task.
        var artifact = Encoding.UTF8.GetBytes("""{"a": 1}""");
        var artifactPath = $"/{projectName}/trace task.{task}/artifacts/myart/myart.json";
        await UploadAsync(token, artifactPath, artifact, "application/json");
        var artifactUri = $"{filesHost}{Uri.EscapeDataString(artifactPath).Replace("%2F", "/", StringComparison.Ordinal)}";
        await Call(api, "tasks.add_or_update_artifacts", new
        {
            task,
            force = true,
            artifacts = new[] { new { key = "myart", type = "dict", uri = artifactUri, hash = "abc", content_size = artifact.Length, timestamp = 1_700_000_000, type_data = new { content_type = "application/json", preview = "{'a': 1}" } } },
        });
        var withArtifact = (await Call(api, "tasks.get_by_id", new { task }))["task"]!;
        Assert.Equal("myart", withArtifact["execution"]!["artifacts"]![0]!["key"]!.GetValue<string>());

        // Model.query_models, exactly as the SDK asks, then get_local_copy (two GETs).
        var projects = await Call(api, "projects.get_all", new { name = "^" + EscapeRegex(projectName) + "$", only_fields = new[] { "id", "name", "last_update" }, search_hidden = false });
        Assert.Equal(project, projects["projects"]![0]!["id"]!.GetValue<string>());
        var query = await Call(api, "models.get_all", new
        {
            name = "^" + EscapeRegex("trace model") + "$",
            project = new[] { project },
            system_tags = new[] { "-archived" },
            only_fields = new[] { "id", "created", "system_tags" },
            order_by = new[] { "-created" },
            page = 0,
            page_size = 500,
        });
        Assert.Equal(model, query["models"]![0]!["id"]!.GetValue<string>());
        using var files = new HttpClient();
        files.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
        using (var head = await files.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(weights.Length, head.Content.Headers.ContentLength);
        }
        Assert.Equal(weights, await files.GetByteArrayAsync(uri));

        // A second task connects the published model as its input; both tasks close.
        var second = await StartTaskAsync(api, project, "consumer task");
        await Call(api, "tasks.add_or_update_model", new { task = second, name = "Input Model", model, type = "input" });
        var consumer = (await Call(api, "tasks.get_by_id", new { task = second }))["task"]!;
        Assert.Equal(model, consumer["models"]!["input"]![0]!["model"]!.GetValue<string>());
        var outputs = await Call(api, "models.get_all", new { task = new[] { task }, order_by = new[] { "created" }, only_fields = new[] { "id" } });
        Assert.Equal(model, outputs["models"]![0]!["id"]!.GetValue<string>());
        foreach (var id in new[] { task, second })
        {
            await Call(api, "tasks.completed", new { task = id, force = false, status_reason = "completed", publish = false });
            Assert.Equal("completed", (await Call(api, "tasks.get_by_id", new { task = id }))["task"]!["status"]!.GetValue<string>());
        }
    }

    /// <summary>Task.init's calls: create, reload, start, and the status poll the SDK runs every 2 s.</summary>
    private static async Task<string> StartTaskAsync(ApiClient api, string project, string name)
    {
        var task = (await Call(api, "tasks.create", new { name, type = "training", comment = "Auto-generated", project, system_tags = new[] { "development" } }))["id"]!.GetValue<string>();
        var created = (await Call(api, "tasks.get_by_id", new { task }))["task"]!;
        Assert.Equal("created", created["status"]!.GetValue<string>());
        Assert.NotNull(created["models"]!["input"]);
        await Call(api, "tasks.started", new { task, force = false });
        await Call(api, "tasks.edit", new { task, force = true, script = new { binary = "python", repository = "", branch = "", version_num = "", entry_point = "train.py", working_dir = ".", diff = "" } });
        await Call(api, "tasks.set_requirements", new { task, requirements = new { pip = "torch", conda = "" } });
        var poll = await Call(api, "tasks.get_all", new { id = new[] { task }, only_fields = new[] { "status", "status_message", "id" }, search_hidden = false });
        Assert.Equal("in_progress", poll["tasks"]![0]!["status"]!.GetValue<string>());
        return task;
    }

    private static async Task<JsonObject> Call(ApiClient api, string endpoint, object body) =>
        (await api.CallAsync("v2.23/" + endpoint, body)).Ok();

    private static async Task Batch(ApiClient api, params object[] events)
    {
        var lines = string.Join('\n', events.Select(e => System.Text.Json.JsonSerializer.Serialize(e)));
        var added = (await api.SendAsync("v2.23/events.add_batch", lines, "application/json-lines")).Ok();
        Assert.Equal(events.Length, added["added"]!.GetValue<int>());
    }

    /// <summary>The SDK's upload: one multipart part whose name and file name are the path, leading '/' kept.</summary>
    private async Task UploadAsync(string token, string path, byte[] bytes, string contentType)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
        using var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Add(part, path, path);
        using var response = await http.PostAsync($"http://127.0.0.1:{_server.FilesPort}/", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Python's re.escape (3.7+): the regex metacharacters and whitespace get a backslash.</summary>
    private static string EscapeRegex(string text) =>
        string.Concat(text.Select(c => "()[]{}?*+-|^$\\.&~# \t\n\r\v\f".Contains(c) ? "\\" + c : c.ToString()));
}
