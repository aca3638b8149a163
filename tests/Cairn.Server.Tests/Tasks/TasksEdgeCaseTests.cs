using System.Text.Json.Nodes;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary>Inputs at the edges of the tasks and events services, and what a reset or delete leaves behind.</summary>
public sealed class TasksEdgeCaseTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Theory]
    [InlineData("""{"input":[5]}""")]
    [InlineData("""{"input":["abc"]}""")]
    [InlineData("""{"output":[[1]]}""")]
    public async Task Model_lists_with_non_object_entries_are_400_12(string models)
    {
        using var client = _server.Client();
        var body = new JsonObject { ["name"] = ModelsApi.Unique("bad models"), ["type"] = "training", ["models"] = JsonNode.Parse(models) };
        (await client.CallAsync("tasks.create", body)).Fails(400, 12);
    }

    [Fact]
    public async Task An_empty_id_list_does_not_reveal_hidden_tasks()
    {
        using var client = _server.Client();
        var name = ModelsApi.Unique("hidden task");
        await client.CreateTaskAsync(name, new { system_tags = new[] { "hidden" } });
        var body = new { id = Array.Empty<string>(), name = "^" + name + "$" };
        Assert.Empty((await client.CallAsync("tasks.get_all", body)).Ok()["tasks"]!.AsArray());
    }

    [Fact]
    public async Task A_timestamp_no_date_can_hold_is_refused_not_stored()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        var line = new JsonObject { ["type"] = "training_stats_scalar", ["task"] = task, ["iter"] = 1, ["metric"] = "m", ["variant"] = "v", ["value"] = 1.0, ["timestamp"] = 1_700_000_000_000_000 };
        (await client.SendAsync("events.add_batch", line.ToJsonString(), "application/json-lines")).Fails(400, 131);
        var histogram = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, key = "iso_time" })).Ok();
        Assert.Empty(histogram);
    }

    [Fact]
    public async Task A_point_sent_again_replaces_the_old_one_in_count_and_mean()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.started", new { task })).Ok();
        static string Point(string task, int iter, double value) =>
            new JsonObject { ["type"] = "training_stats_scalar", ["task"] = task, ["iter"] = iter, ["metric"] = "loss", ["variant"] = "train", ["value"] = value }.ToJsonString();

        (await client.SendAsync("events.add_batch", Point(task, 1, 1.0) + "\n" + Point(task, 2, 3.0), "application/json-lines")).Ok();
        // Iteration 2 again in a later batch, and iteration 1 twice within one batch.
        (await client.SendAsync("events.add_batch", Point(task, 2, 5.0) + "\n" + Point(task, 1, 2.0) + "\n" + Point(task, 1, 7.0), "application/json-lines")).Ok();

        var values = (await client.GetTaskAsync(task))["last_metrics"]!.AsObject().Single().Value!.AsObject().Single().Value!;
        Assert.Equal(2, values["count"]!.GetValue<int>());
        Assert.Equal(6.0, values["mean_value"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_reset_task_starts_without_the_previous_runs_events()
    {
        using var client = _server.Client();
        var task = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.started", new { task })).Ok();
        var line = new JsonObject { ["type"] = "training_stats_scalar", ["task"] = task, ["iter"] = 1, ["metric"] = "loss", ["variant"] = "train", ["value"] = 0.5 };
        (await client.SendAsync("events.add_batch", line.ToJsonString(), "application/json-lines")).Ok();
        Assert.NotEmpty((await client.CallAsync("events.scalar_metrics_iter_histogram", new { task })).Ok());

        (await client.CallAsync("tasks.reset", new { task, force = true })).Ok();

        Assert.Empty((await client.CallAsync("events.scalar_metrics_iter_histogram", new { task })).Ok());
        (await client.SendAsync("events.add_batch", line.ToJsonString(), "application/json-lines")).Ok();
        var metrics = (await client.GetTaskAsync(task))["last_metrics"]!.AsObject();
        var values = metrics.Single().Value!.AsObject().Single().Value!;
        Assert.Equal(1, values["count"]!.GetValue<int>());
    }
}
