using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary><c>models.set_ready</c>: publishing a model and, optionally, its creating task (api.md §3.3).</summary>
public sealed class ModelsPublishTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Set_ready_publishes_a_draft_and_refuses_a_ready_model_with_400_203()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Draft to publish", new { ready = false });
        var data = (await client.CallAsync("models.set_ready", new { model = id })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        Assert.True((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
        (await client.CallAsync("models.set_ready", new { model = id })).Fails(400, 203);

        var readyFromStart = await client.CreateModelAsync("Ready from start");
        (await client.CallAsync("models.set_ready", new { model = readyFromStart })).Fails(400, 203);
    }

    [Fact]
    public async Task Set_ready_publishes_a_publishable_creating_task()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "completed");
        var id = await client.CreateModelAsync("Publishes its task", new { ready = false, task });
        var data = (await client.CallAsync("models.set_ready", new { model = id })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        var published = data["published_task"]!;
        Assert.Equal(task, published["id"].Text());
        Assert.Equal(1, published["data"]!["updated"]!.GetValue<int>());
        Assert.NotNull(published["data"]!["fields"]!.AsObject());

        var row = await StoreRows.TaskAsync(_server, task);
        Assert.Equal("published", row.Status);
        Assert.NotNull(row.Published);
        Assert.True((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_in_progress_task_blocks_set_ready_with_400_110_unless_forced()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "in_progress");
        var id = await client.CreateModelAsync("Task still running", new { ready = false, task });

        (await client.CallAsync("models.set_ready", new { model = id })).Fails(400, 110);
        Assert.False((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
        Assert.Equal("in_progress", (await StoreRows.TaskAsync(_server, task)).Status);

        var data = (await client.CallAsync("models.set_ready", new { model = id, force_publish_task = true })).Ok();
        Assert.Equal(task, data["published_task"]!["id"].Text());
        Assert.Equal("published", (await StoreRows.TaskAsync(_server, task)).Status);
        Assert.True((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Publish_task_false_leaves_the_task_alone_as_the_sdk_asks()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "in_progress");
        var id = await client.CreateModelAsync("Sdk publish", new { ready = false, task });
        var data = (await client.CallAsync("v2.23/models.set_ready", new { model = id, publish_task = false })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        Assert.Null(data["published_task"]);
        Assert.True((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
        Assert.Equal("in_progress", (await StoreRows.TaskAsync(_server, task)).Status);
    }

    [Fact]
    public async Task An_already_published_task_is_not_published_again()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "published");
        var id = await client.CreateModelAsync("Task already published", new { ready = false, task });
        var data = (await client.CallAsync("models.set_ready", new { model = id })).Ok();
        Assert.Equal(1, data["updated"]!.GetValue<int>());
        Assert.Null(data["published_task"]);
        Assert.True((await client.GetModelAsync(id))["ready"]!.GetValue<bool>());
    }
}
