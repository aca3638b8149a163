using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.delete</c>: the status rule, published outputs, draft output models and children.</summary>
public sealed class TasksDeleteTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task A_draft_task_is_deleted_with_its_draft_output_models_and_their_urls_returned()
    {
        using var client = _server.Client();
        var parent = await client.CreateTaskAsync();
        var child = await client.CreateTaskAsync(extra: new { parent });
        // A URL on this server's file server, so the delete goes through the file deletion queue.
        var weightsUrl = $"http://127.0.0.1:{_server.FilesPort}/p/w.bin";
        var draft = await client.CreateModelAsync("draft of deleted task", new { ready = false, task = parent, uri = weightsUrl });
        var shared = await client.CreateModelAsync("used elsewhere", new { ready = false, task = parent });
        (await client.CallAsync("tasks.add_or_update_model", new { task = parent, name = "w", model = draft, type = "output" })).Ok();
        (await client.CallAsync("tasks.add_or_update_model", new { task = parent, name = "s", model = shared, type = "output" })).Ok();
        (await client.CallAsync("tasks.add_or_update_model", new { task = child, name = "in", model = shared, type = "input" })).Ok();
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = parent, artifacts = new[] { new { key = "a", type = "str", uri = "http://files/p/a.txt" } } })).Ok();

        var data = (await client.CallAsync("tasks.delete", new { task = parent, return_file_urls = true })).Ok();
        Assert.True(data["deleted"]!.GetValue<bool>());
        Assert.Equal(1, data["deleted_models"]!.GetValue<int>());
        Assert.Equal(1, data["updated_models"]!.GetValue<int>());
        Assert.Equal(1, data["updated_children"]!.GetValue<int>());
        Assert.Equal([weightsUrl], data["urls"]!["model_urls"].Strings());
        Assert.Equal(["http://files/p/a.txt"], data["urls"]!["artifact_urls"].Strings());

        (await client.CallAsync("tasks.get_by_id", new { task = parent })).Fails(400, 101);
        (await client.CallAsync("models.get_by_id", new { model = draft })).Fails(400, 201);
        Assert.Equal("__DELETED__" + parent, (await client.GetModelAsync(shared))["task"].Text());
        Assert.Equal("__DELETED__" + parent, (await client.GetTaskAsync(child))["parent"].Text());
    }

    [Fact]
    public async Task A_started_task_needs_force_400_123()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        (await client.CallAsync("tasks.delete", new { task = id })).Fails(400, 123);
        Assert.Equal("in_progress", await client.StatusAsync(id));
        Assert.True((await client.CallAsync("tasks.delete", new { task = id, force = true })).Ok()["deleted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_archived_task_is_deleted_without_force_but_published_outputs_block_it()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync(extra: new { system_tags = new[] { "archived" } });
        await client.ChangeAsync("stopped", id, new { force = true });
        var published = await client.CreateModelAsync("published output", new { ready = true, task = id });
        await client.ChangeAsync("started", id, new { force = true });
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", model = published, type = "output" })).Ok();
        await client.ChangeAsync("stopped", id);

        (await client.CallAsync("tasks.delete", new { task = id })).Fails(400, 123);
        var data = (await client.CallAsync("tasks.delete", new { task = id, force = true })).Ok();
        Assert.Equal(0, data["deleted_models"]!.GetValue<int>());
        Assert.Equal("__DELETED__" + id, (await client.GetModelAsync(published))["task"].Text());
    }

    [Fact]
    public async Task A_task_with_a_published_child_needs_force_400_123()
    {
        using var client = _server.Client();
        var parent = await client.CreateTaskAsync();
        var child = await client.CreateTaskAsync(extra: new { parent });
        await client.ChangeAsync("stopped", child, new { force = true });
        await client.ChangeAsync("publish", child);

        var refused = (await client.CallAsync("tasks.delete", new { task = parent })).Fails(400, 123);
        Assert.Contains("has published children, use force=True", refused.Message, StringComparison.Ordinal);
        Assert.Equal(parent, (await client.GetTaskAsync(parent))["id"].Text());
        Assert.Equal(parent, (await client.GetTaskAsync(child))["parent"].Text());

        var data = (await client.CallAsync("tasks.delete", new { task = parent, force = true })).Ok();
        Assert.Equal(1, data["updated_children"]!.GetValue<int>());
        Assert.Equal("__DELETED__" + parent, (await client.GetTaskAsync(child))["parent"].Text());
    }

    [Fact]
    public async Task A_published_model_in_the_output_list_made_by_another_task_blocks_the_delete_400_123()
    {
        using var client = _server.Client();
        var maker = await client.CreateTaskAsync();
        var published = await client.CreateModelAsync("published elsewhere", new { ready = true, task = maker });
        var id = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", model = published, type = "output" })).Ok();

        var refused = (await client.CallAsync("tasks.delete", new { task = id })).Fails(400, 123);
        Assert.Contains("has output model, use force=True", refused.Message, StringComparison.Ordinal);
        Assert.Contains(published, refused.Message, StringComparison.Ordinal);

        // The maker itself is blocked by the ready model that names it as its task.
        var maker400 = (await client.CallAsync("tasks.delete", new { task = maker })).Fails(400, 123);
        Assert.Contains("has output models, use force=True", maker400.Message, StringComparison.Ordinal);

        var data = (await client.CallAsync("tasks.delete", new { task = id, force = true })).Ok();
        Assert.Equal(0, data["deleted_models"]!.GetValue<int>());
        Assert.Equal(maker, (await client.GetModelAsync(published))["task"].Text());
    }
}
