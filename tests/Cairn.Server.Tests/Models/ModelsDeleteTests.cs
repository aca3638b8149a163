using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Models;

/// <summary><c>models.delete</c> and <c>models.delete_many</c> and what they do to the tasks around the model (api.md §3.3).</summary>
public sealed class ModelsDeleteTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Delete_removes_the_model_and_returns_its_url()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Deleted model", new { uri = "s3://bucket/deleted.bin" });
        var data = (await client.CallAsync("models.delete", new { model = id })).Ok();
        Assert.True(data["deleted"]!.GetValue<bool>());
        Assert.Equal("s3://bucket/deleted.bin", data["url"].Text());
        (await client.CallAsync("models.get_by_id", new { model = id })).Fails(400, 201);
        Assert.Empty(await client.GetAllModelsAsync(new { id = new[] { id } }));
        (await client.CallAsync("models.delete", new { model = id })).Fails(400, 201);
    }

    [Fact]
    public async Task A_model_used_as_a_task_input_is_400_205_unless_forced_and_then_the_input_is_marked_deleted()
    {
        using var client = _server.Client();
        var id = await client.CreateModelAsync("Input model");
        var task = await StoreRows.InsertTaskAsync(_server, status: "completed");
        await StoreRows.AddTaskModelAsync(_server, task, "input", "Input Model", id);

        (await client.CallAsync("models.delete", new { model = id })).Fails(400, 205);
        await client.GetModelAsync(id);

        Assert.True((await client.CallAsync("models.delete", new { model = id, force = true })).Ok()["deleted"]!.GetValue<bool>());
        (await client.CallAsync("models.get_by_id", new { model = id })).Fails(400, 201);
        var input = Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "input"));
        Assert.Equal(("Input Model", "__DELETED__" + id), (input.Name, input.Model));
    }

    [Fact]
    public async Task A_published_creating_task_is_400_206_unless_forced_and_then_its_output_is_marked_deleted()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "published");
        var id = await client.CreateModelAsync("Published output", new { task });
        await StoreRows.AddTaskModelAsync(_server, task, "output", "Output Model", id);

        (await client.CallAsync("models.delete", new { model = id })).Fails(400, 206);
        await client.GetModelAsync(id);

        (await client.CallAsync("models.delete", new { model = id, force = true })).Ok();
        var output = Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "output"));
        Assert.Equal("__DELETED__" + id, output.Model);
        var row = await StoreRows.TaskAsync(_server, task);
        Assert.Contains("model deleted on", row.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_draft_creating_task_loses_its_output_entry()
    {
        using var client = _server.Client();
        var task = await StoreRows.InsertTaskAsync(_server, status: "in_progress");
        var id = await client.CreateModelAsync("Draft output", new { task });
        var other = await client.CreateModelAsync("Other output", new { task });
        await StoreRows.AddTaskModelAsync(_server, task, "output", "first", id);
        await StoreRows.AddTaskModelAsync(_server, task, "output", "second", other);

        (await client.CallAsync("models.delete", new { model = id })).Ok();
        var remaining = Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "output"));
        Assert.Equal(other, remaining.Model);
    }

    [Fact]
    public async Task Delete_many_reports_each_id()
    {
        using var client = _server.Client();
        var plain = await client.CreateModelAsync("Many plain", new { uri = "s3://bucket/plain.bin" });
        var used = await client.CreateModelAsync("Many used");
        var task = await StoreRows.InsertTaskAsync(_server);
        await StoreRows.AddTaskModelAsync(_server, task, "input", "in", used);

        var response = await client.CallAsync("models.delete_many", new { ids = new[] { plain, used, ModelsApi.MissingId } });
        Assert.Equal(200, response.Status);
        var data = response.Ok();
        var succeeded = Assert.Single(data["succeeded"]!.AsArray())!;
        Assert.Equal(plain, succeeded["id"].Text());
        Assert.True(succeeded["deleted"]!.GetValue<bool>());
        Assert.Equal("s3://bucket/plain.bin", succeeded["url"].Text());
        var failed = data["failed"]!.AsArray().ToDictionary(f => f!["id"].Text(), f => f!["error"]!["codes"]!.AsArray().Select(c => c!.GetValue<int>()).ToList());
        Assert.Equal([400, 205], failed[used]);
        Assert.Equal([400, 201], failed[ModelsApi.MissingId]);
        await client.GetModelAsync(used);

        var forced = (await client.CallAsync("models.delete_many", new { ids = new[] { used }, force = true })).Ok();
        Assert.Equal(used, Assert.Single(forced["succeeded"]!.AsArray())!["id"].Text());
        Assert.Equal("__DELETED__" + used, Assert.Single(await StoreRows.TaskModelsAsync(_server, task, "input")).Model);
    }
}
