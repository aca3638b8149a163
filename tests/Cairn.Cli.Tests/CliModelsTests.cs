using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn models …</c> run as a process against a real server; state is checked over the API.</summary>
public sealed class CliModelsTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliProcess _cli = new(fixture.Server);
    private readonly ApiClient _api = fixture.Server.Client();

    public void Dispose()
    {
        _cli.Dispose();
        _api.Dispose();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private string WriteWeights(string name, int size)
    {
        var path = Path.Combine(_cli.Home, name);
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private async Task<JsonObject> ModelAsync(string id) =>
        (await _api.CallAsync("models.get_by_id", new { model = id })).Ok()["model"]!.AsObject();

    private async Task<string> UploadAsync(string project, string name, params string[] extra)
    {
        var file = WriteWeights(name + ".onnx", 4096);
        var result = (await _cli.RunAsync(["models", "upload", file, "--project", project, "--name", name, .. extra])).Ok();
        var id = result.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", id);
        return id;
    }

    [Fact]
    public async Task Upload_records_the_model_with_its_hash_and_download_returns_the_same_bytes()
    {
        var project = Unique("cli-up");
        var file = WriteWeights("net.onnx", 3 * 1024 * 1024 + 17);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

        var upload = (await _cli.RunAsync("models", "upload", file, "--project", project, "--name", "detector", "--tag", "candidate", "--tag", "v1", "--comment", "from the cli")).Ok();
        var id = upload.Stdout.Trim();

        var model = await ModelAsync(id);
        Assert.Equal("detector", model["name"]!.GetValue<string>());
        Assert.Equal(["candidate", "v1"], model["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.Equal("ONNX", model["framework"]!.GetValue<string>());
        Assert.Equal(sha, model["metadata"]!["cairn.sha256"]!["value"]!.GetValue<string>());
        Assert.StartsWith($"http://127.0.0.1:{fixture.Server.FilesPort}/", model["uri"]!.GetValue<string>(), StringComparison.Ordinal);

        var shown = (await _cli.RunAsync("models", "show", id, "--json")).Ok().Json();
        Assert.Equal(sha, shown["sha256"]!.GetValue<string>());
        Assert.Equal(3 * 1024 * 1024 + 17, shown["size"]!.GetValue<long>());
        Assert.Equal(project, shown["project"]!.GetValue<string>());
        Assert.False(shown["published"]!.GetValue<bool>());

        var table = (await _cli.RunAsync("models", "show", id)).Ok().Stdout;
        Assert.Contains("detector", table, StringComparison.Ordinal);
        Assert.Contains(sha, table, StringComparison.Ordinal);

        var target = Path.Combine(_cli.Home, "out") + "/";
        var download = (await _cli.RunAsync("models", "download", id, "-o", target)).Ok();
        var path = download.Stdout.Trim();
        Assert.Equal(Path.Combine(_cli.Home, "out", "net.onnx"), path);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(path));
        Assert.Equal("", download.Stderr); // not a terminal: no progress bar, no noise
    }

    [Fact]
    public async Task List_prints_a_table_and_json_and_applies_the_query()
    {
        var project = Unique("cli-ls");
        var prodOnnx = await UploadAsync(project, "prod-onnx", "--tag", "production", "--framework", "ONNX", "--publish");
        var prodTorch = await UploadAsync(project, "prod-torch", "--tag", "production", "--framework", "PyTorch");
        var deprecated = await UploadAsync(project, "old", "--tag", "production", "--tag", "deprecated", "--framework", "ONNX", "--publish");
        var other = await UploadAsync(project, "other", "--framework", "ONNX");

        var all = (await _cli.RunAsync("models", "list", "--project", project, "--json")).Ok().Json().AsArray();
        Assert.Equal([other, deprecated, prodTorch, prodOnnx], all.Select(m => m!["id"]!.GetValue<string>())); // newest first
        var first = all[3]!.AsObject();
        foreach (var field in new[] { "id", "name", "project_id", "project", "framework", "tags", "system_tags", "published", "archived", "created", "last_update", "uri", "task", "comment" })
        {
            Assert.True(first.ContainsKey(field), $"field {field} missing from {first.ToJsonString()}");
        }
        Assert.True(first["published"]!.GetValue<bool>());

        var query = (await _cli.RunAsync("models", "list", "--project", project, "--json", "--query",
            "tag:production and not tag:deprecated and (framework:ONNX or framework:PyTorch)")).Ok().Json().AsArray();
        Assert.Equal([prodTorch, prodOnnx], query.Select(m => m!["id"]!.GetValue<string>()));

        var published = (await _cli.RunAsync("models", "list", "--project", project, "--json", "--published", "--query", "framework:ONNX")).Ok().Json().AsArray();
        Assert.Equal([deprecated, prodOnnx], published.Select(m => m!["id"]!.GetValue<string>()));

        var table = (await _cli.RunAsync("models", "list", "--project", project, "--query", "name ~ \"^prod\"")).Ok();
        Assert.Contains(prodOnnx, table.Stdout, StringComparison.Ordinal);
        Assert.Contains(prodTorch, table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(other, table.Stdout, StringComparison.Ordinal);
        Assert.Contains("published", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 models", table.Stderr, StringComparison.Ordinal);

        var limited = (await _cli.RunAsync("models", "list", "--project", project, "--json", "--limit", "1")).Ok().Json().AsArray();
        Assert.Equal([other], limited.Select(m => m!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Download_of_a_query_takes_the_newest_model_that_matches()
    {
        var project = Unique("cli-dq");
        var older = await UploadAsync(project, "older", "--tag", "production", "--publish");
        var newest = await UploadAsync(project, "newest", "--tag", "production", "--publish");
        await UploadAsync(project, "draft", "--tag", "production"); // newer still, but not published

        var result = (await _cli.RunAsync("models", "download", "--project", project, "--query", "tag:production", "--published", "-o", Path.Combine(_cli.Home, "deploy.onnx"), "--json")).Ok().Json();
        Assert.Equal(newest, result["id"]!.GetValue<string>());
        Assert.True(result["verified"]!.GetValue<bool>());
        var weights = (await ModelAsync(newest))["metadata"]!["cairn.sha256"]!["value"]!.GetValue<string>();
        Assert.Equal(weights, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_cli.Home, "deploy.onnx")))));
        Assert.NotEqual(older, newest);

        var none = await _cli.RunAsync("models", "download", "--project", project, "--query", "tag:nothing-has-this");
        Assert.Equal(1, none.ExitCode);
        Assert.Equal("cairn: no model matches the selection", none.Stderr.Trim());
    }

    [Fact]
    public async Task A_download_whose_bytes_do_not_match_the_recorded_hash_fails_and_leaves_no_file()
    {
        var id = await UploadAsync(Unique("cli-bad"), "tampered");
        (await _cli.RunAsync("models", "metadata", "set", id, "cairn.sha256", new string('0', 64))).Ok();

        var target = Path.Combine(_cli.Home, "downloaded", "tampered.onnx");
        var result = await _cli.RunAsync("models", "download", id, "-o", target);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("cairn: integrity check failed", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Publish_archive_tag_move_metadata_and_rm_change_the_model_on_the_server()
    {
        var id = await UploadAsync(Unique("cli-life"), "life", "--tag", "candidate");

        (await _cli.RunAsync("models", "tag", id, "production", "v2")).Ok();
        (await _cli.RunAsync("models", "untag", id, "candidate")).Ok();
        Assert.Equal(["production", "v2"], (await ModelAsync(id))["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order());

        (await _cli.RunAsync("models", "metadata", "set", id, "epochs", "90", "--type", "int")).Ok();
        Assert.Equal("90", (await _cli.RunAsync("models", "metadata", "get", id, "epochs")).Ok().Stdout.Trim());
        var metadata = (await _cli.RunAsync("models", "metadata", "get", id, "--json")).Ok().Json();
        Assert.Equal("int", metadata["epochs"]!["type"]!.GetValue<string>());
        Assert.Equal("90", (await ModelAsync(id))["metadata"]!["epochs"]!["value"]!.GetValue<string>());

        var target = Unique("cli-moved");
        (await _cli.RunAsync("models", "move", id, "--project", target)).Ok();
        var moved = (await _cli.RunAsync("models", "show", id, "--json")).Ok().Json();
        Assert.Equal(target, moved["project"]!.GetValue<string>());

        (await _cli.RunAsync("models", "publish", id)).Ok();
        Assert.True((await ModelAsync(id))["ready"]!.GetValue<bool>());

        (await _cli.RunAsync("models", "archive", id)).Ok();
        Assert.Contains("archived", (await ModelAsync(id))["system_tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Empty((await _cli.RunAsync("models", "list", "--project", target, "--json")).Ok().Json().AsArray());
        Assert.Single((await _cli.RunAsync("models", "list", "--project", target, "--json", "--archived")).Ok().Json().AsArray());
        (await _cli.RunAsync("models", "unarchive", id)).Ok();
        Assert.DoesNotContain("archived", (await ModelAsync(id))["system_tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        (await _cli.RunAsync("models", "rm", id)).Ok();
        (await _api.CallAsync("models.get_by_id", new { model = id })).Fails(400, 201);
    }

    [Fact]
    public async Task Compare_marks_the_rows_that_differ()
    {
        var project = Unique("cli-cmp");
        var a = await UploadAsync(project, "alpha", "--framework", "ONNX");
        var b = await UploadAsync(project, "bravo", "--framework", "ONNX");
        (await _cli.RunAsync("models", "metadata", "set", a, "dataset", "imagenet")).Ok();
        (await _cli.RunAsync("models", "metadata", "set", b, "dataset", "coco")).Ok();

        var json = (await _cli.RunAsync("models", "compare", a, b, "--json")).Ok().Json();
        Assert.Equal([a, b], json["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        var rows = json["rows"]!.AsArray().ToDictionary(r => r!["field"]!.GetValue<string>(), r => r!);
        Assert.True(rows["name"]["differs"]!.GetValue<bool>());
        Assert.False(rows["framework"]["differs"]!.GetValue<bool>());
        Assert.False(rows["project"]["differs"]!.GetValue<bool>());
        Assert.True(rows["meta.dataset"]["differs"]!.GetValue<bool>());
        Assert.Equal(["imagenet", "coco"], rows["meta.dataset"]["values"]!.AsArray().Select(v => v!.GetValue<string>()));

        var table = (await _cli.RunAsync("models", "compare", a, b)).Ok().Stdout;
        var datasetLine = table.Split('\n').Single(l => l.Contains("meta.dataset", StringComparison.Ordinal));
        Assert.Contains("*", datasetLine, StringComparison.Ordinal);
        var frameworkLine = table.Split('\n').Single(l => l.Contains("framework", StringComparison.Ordinal));
        Assert.DoesNotContain("*", frameworkLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_adds_a_model_for_weights_already_stored_without_uploading()
    {
        var project = Unique("cli-reg");
        var url = $"https://weights.example/{project}/resnet.pt";
        var id = (await _cli.RunAsync("models", "register", url, "--project", project, "--tag", "imported", "--publish")).Ok().Stdout.Trim();
        var model = await ModelAsync(id);
        Assert.Equal(url, model["uri"]!.GetValue<string>());
        Assert.Equal("resnet", model["name"]!.GetValue<string>());
        Assert.Equal("PyTorch", model["framework"]!.GetValue<string>());
        Assert.True(model["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_upload_the_server_refuses_to_register_leaves_no_file_behind()
    {
        var file = WriteWeights("orphan-check.onnx", 1024);
        var result = await _cli.RunAsync("models", "upload", file, "--project", Unique("cli-orphan"), "--name", "ab");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("name must be at least 3 characters long", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(fixture.Server.DataDir, "orphan-check.onnx", SearchOption.AllDirectories));
    }
}
