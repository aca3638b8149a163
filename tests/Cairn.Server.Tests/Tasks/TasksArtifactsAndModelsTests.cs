using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary><c>tasks.add_or_update_model</c>, <c>delete_models</c>, <c>add_or_update_artifacts</c> and <c>delete_artifacts</c>.</summary>
public sealed class TasksArtifactsAndModelsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Add_or_update_model_replaces_by_name_keeps_order_and_raises_last_iteration()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        Assert.Equal(1, (await client.CallAsync("v2.23/tasks.add_or_update_model", new { task = id, name = "weights", model = "m1", type = "output", iteration = 5 })).Ok()["updated"]!.GetValue<int>());
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "other", model = "m2", type = "output" })).Ok();
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "weights", model = "m3", type = "output", iteration = 3 })).Ok();
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "base", model = "m4", type = "input" })).Ok();

        var task = await client.GetTaskAsync(id);
        Assert.Equal(["m3", "m2"], task["models"]!["output"]!.AsArray().Select(i => i!["model"].Text()));
        Assert.Equal(["weights", "other"], task["models"]!["output"]!.AsArray().Select(i => i!["name"].Text()));
        Assert.Equal("m4", task["models"]!["input"]![0]!["model"].Text());
        Assert.Equal(5, task["last_iteration"]!.GetValue<long>());

        var byInput = (await client.CallAsync("tasks.get_all", new Dictionary<string, object> { ["models.input.model"] = new[] { "m4" }, ["only_fields"] = new[] { "id" } })).Ok();
        Assert.Equal([id], byInput["tasks"]!.AsArray().Ids());

        (await client.CallAsync("tasks.delete_models", new { task = id, models = new[] { new { name = "other", type = "output" }, new { name = "nope", type = "input" } } })).Ok();
        task = await client.GetTaskAsync(id);
        Assert.Equal(["weights"], task["models"]!["output"]!.AsArray().Select(i => i!["name"].Text()));
        Assert.Single(task["models"]!["input"]!.AsArray());
    }

    [Fact]
    public async Task Model_lists_and_artifacts_are_frozen_once_the_task_completed_400_110()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        await client.ChangeAsync("completed", id);
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", model = "m", type = "output" })).Fails(400, 110);
        (await client.CallAsync("tasks.delete_models", new { task = id, models = new[] { new { name = "w", type = "output" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = id, force = true, artifacts = new[] { new { key = "x", type = "str" } } })).Fails(400, 110);
        (await client.CallAsync("tasks.delete_artifacts", new { task = id, artifacts = new[] { new { key = "x" } } })).Fails(400, 110);
        var task = await client.GetTaskAsync(id);
        Assert.Empty(task["models"]!["output"]!.AsArray());
        Assert.Empty(task["execution"]!["artifacts"]!.AsArray());
    }

    [Fact]
    public async Task Artifacts_upsert_by_key_and_mode_and_come_back_sorted_by_key()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        (await client.CallAsync("tasks.add_or_update_artifacts", new
        {
            task = id,
            force = true,
            artifacts = new object[]
            {
                new { key = "x", type = "dict", uri = "http://f/x.json", content_size = 10, hash = "h", timestamp = 1700000000, type_data = new { preview = "p", content_type = "application/json" } },
                new { key = "notes", type = "str", uri = "http://f/notes.txt" },
            },
        })).Ok();
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = id, artifacts = new object[] { new { key = "x", type = "dict", uri = "http://f/x2.json" }, new { key = "x", type = "dict", mode = "input" } } })).Ok();

        var artifacts = (await client.GetTaskAsync(id))["execution"]!["artifacts"]!.AsArray();
        Assert.Equal(["notes", "x", "x"], artifacts.Select(a => a!["key"].Text()));
        Assert.Equal(["output", "input", "output"], artifacts.Select(a => a!["mode"].Text()));
        Assert.Equal("http://f/x2.json", artifacts[2]!["uri"].Text());

        Assert.Equal(1, (await client.CallAsync("tasks.delete_artifacts", new { task = id, artifacts = new[] { new { key = "x" } } })).Ok()["deleted"]!.GetValue<int>());
        artifacts = (await client.GetTaskAsync(id))["execution"]!["artifacts"]!.AsArray();
        Assert.Equal(["notes", "x"], artifacts.Select(a => a!["key"].Text()));
        Assert.Equal("input", artifacts[1]!["mode"].Text());
    }
}
