using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary>
/// <c>models.get_by_task_id</c> and <c>models.update_for_task</c>: served up to API 2.13 and answered
/// with 301/1 above it (api.md §1.5, §3.3).
/// </summary>
public sealed class ModelsLegacyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData("v2.14/")]
    [InlineData("v2.23/")]
    [InlineData("")]
    public async Task Both_endpoints_answer_301_1_above_2_13(string version)
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        (await client.CallAsync($"{version}models.get_by_task_id", new { task })).Fails(301, 1);
        (await client.CallAsync($"{version}models.update_for_task", new { task, uri = "s3://bucket/legacy.bin" })).Fails(301, 1);
        Assert.Empty(await StoreRows.TaskModelsAsync(_server, task, "output"));
    }

    [Fact]
    public async Task Update_for_task_creates_the_tasks_output_model_and_get_by_task_id_finds_it()
    {
        using var client = _server.Client();
        var project = await client.CreateProjectAsync("Legacy");
        var task = await StoreRows.InsertTaskAsync(_server, status: "in_progress", project: project, name: "legacy task",
            execution: new { framework = "PyTorch", model_labels = new { cat = 1 }, model_desc = new { design = "net" } });

        var created = (await client.CallAsync("v2.13/models.update_for_task", new { task, uri = "s3://bucket/legacy.bin", iteration = 4 })).Ok();
        Assert.True(created["created"]!.GetValue<bool>());
        var id = created["id"].Text();

        var model = await client.GetModelAsync(id);
        Assert.Equal("legacy task", model["name"].Text());
        Assert.Equal($"Created by task `legacy task` ({task})", model["comment"].Text());
        Assert.Equal("s3://bucket/legacy.bin", model["uri"].Text());
        Assert.Equal(project, model["project"].Text());
        Assert.Equal("PyTorch", model["framework"].Text());
        Assert.Equal(1, model["labels"]!["cat"]!.GetValue<int>());
        Assert.Equal("net", model["design"]!["design"].Text());
        Assert.False(model["ready"]!.GetValue<bool>());

        var output = Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "output"));
        Assert.Equal(("Output Model", id), (output.Name, output.Model));
        Assert.Equal(4, (await StoreRows.TaskAsync(_server, task)).LastIteration);

        var found = (await client.CallAsync("v2.13/models.get_by_task_id", new { task })).Ok()["model"]!;
        Assert.Equal(id, found["id"].Text());
    }

    [Fact]
    public async Task Update_for_task_updates_the_existing_output_model()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, name: "legacy update");
        var id = (await client.CallAsync("v2.13/models.update_for_task", new { task, uri = "s3://bucket/v1.bin" })).Ok()["id"].Text();
        var again = (await client.CallAsync("v2.13/models.update_for_task", new { task, uri = "s3://bucket/v2.bin", name = "renamed output" })).Ok();
        Assert.False(again["created"]!.GetValue<bool>());
        Assert.Equal(id, again["id"].Text());
        var model = await client.GetModelAsync(id);
        Assert.Equal("s3://bucket/v2.bin", model["uri"].Text());
        Assert.Equal("renamed output", model["name"].Text());
        Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "output"));
    }

    [Fact]
    public async Task Get_by_task_id_returns_the_last_output_model()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        var first = await client.CreateModelAsync("Legacy first");
        var last = await client.CreateModelAsync("Legacy last");
        await StoreRows.AddTaskModelAsync(_server, task, "output", "a", first);
        await StoreRows.AddTaskModelAsync(_server, task, "output", "b", last);
        Assert.Equal(last, (await client.CallAsync("v2.13/models.get_by_task_id", new { task })).Ok()["model"]!["id"].Text());
        (await client.CallAsync("v2.13/models.get_by_task_id", new { task = ModelsApi.MissingId })).Fails(400, 101);
    }

    [Fact]
    public async Task Update_for_task_needs_exactly_one_of_uri_and_override_and_a_running_task()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        var other = await client.CreateModelAsync("Legacy override");
        (await client.CallAsync("v2.13/models.update_for_task", new { task })).Fails(400, 11);
        (await client.CallAsync("v2.13/models.update_for_task", new { task, uri = "s3://b/x", override_model_id = other })).Fails(400, 11);
        (await client.CallAsync("v2.13/models.update_for_task", new { task = ModelsApi.MissingId, uri = "s3://b/x" })).Fails(400, 101);

        var completed = await StoreRows.InsertTaskAsync(_server, status: "completed");
        (await client.CallAsync("v2.13/models.update_for_task", new { task = completed, uri = "s3://b/x" })).Fails(400, 110);
        Assert.Empty(await StoreRows.TaskModelsAsync(_server, completed, "output"));
    }

    [Fact]
    public async Task Update_for_task_can_link_an_existing_model()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server);
        var model = await client.CreateModelAsync("Legacy linked");
        var data = (await client.CallAsync("v2.13/models.update_for_task", new { task, override_model_id = model })).Ok();
        Assert.Equal(model, data["id"].Text());
        Assert.Equal(model, Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "output")).Model);
    }
}
