using Cairn.Server.Hosting;
using Cairn.Server.Tests.Models;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Tasks;

/// <summary>The status machine of api.md §5.2: the status endpoints, publish, reset and the watchdog.</summary>
public sealed class TasksStatusTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Started_then_completed_records_the_times_and_the_sdk_poll_sees_in_progress()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        var started = await client.ChangeAsync("started", id, new { force = false });
        Assert.Equal(1, started["started"]!.GetValue<int>());
        Assert.Equal("in_progress", started["fields"]!["status"].Text());

        // The SDK's status poll (sdk-calls.md §5 row 14).
        var polled = (await client.CallAsync("v2.23/tasks.get_all", new { id = new[] { id }, only_fields = new[] { "status", "status_message", "id" }, search_hidden = false })).Ok();
        var row = Assert.Single(polled["tasks"]!.AsArray())!;
        Assert.Equal("in_progress", row["status"].Text());
        Assert.Equal(["id", "status", "status_message"], row.Keys());

        var completed = await client.ChangeAsync("completed", id, new { force = false, status_reason = "completed", publish = false });
        Assert.False(completed["published"]!.GetValue<bool>());
        var task = await client.GetTaskAsync(id);
        Assert.Equal("completed", task["status"].Text());
        Assert.Equal("completed", task["status_reason"].Text());
        Assert.NotNull(task["started"]);
        Assert.NotNull(task["completed"]);
        Assert.NotNull(task["status_changed"]);
        Assert.NotNull(task["active_duration"]);
    }

    [Theory]
    [InlineData("stopped", "stopped")]
    [InlineData("failed", "failed")]
    public async Task An_in_progress_task_can_stop_or_fail(string endpoint, string status)
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        await client.ChangeAsync(endpoint, id);
        Assert.Equal(status, await client.StatusAsync(id));
    }

    [Fact]
    public async Task Illegal_transitions_are_400_110_and_force_overrides_them()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        (await client.CallAsync("tasks.completed", new { task = id })).Fails(400, 110);
        (await client.CallAsync("tasks.close", new { task = id })).Fails(400, 110);
        (await client.CallAsync("tasks.failed", new { task = id })).Fails(400, 110);
        Assert.Equal("created", await client.StatusAsync(id));

        await client.ChangeAsync("stopped", id, new { force = true });
        Assert.Equal("stopped", await client.StatusAsync(id));
        await client.ChangeAsync("close", id);
        Assert.Equal("closed", await client.StatusAsync(id));
    }

    [Fact]
    public async Task A_published_task_cannot_change_status_without_force()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        await client.ChangeAsync("completed", id);
        await client.ChangeAsync("publish", id);
        Assert.Equal("published", await client.StatusAsync(id));
        Assert.NotNull((await client.GetTaskAsync(id))["published"]);
        (await client.CallAsync("tasks.started", new { task = id })).Fails(400, 110);
        (await client.CallAsync("tasks.reset", new { task = id })).Fails(400, 110);
    }

    [Fact]
    public async Task Publish_publishes_the_last_output_model_with_the_task()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync();
        await client.ChangeAsync("started", id);
        var first = await client.CreateModelAsync("first output", new { ready = false, task = id });
        var last = await client.CreateModelAsync("last output", new { ready = false, task = id });
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "a", model = first, type = "output" })).Ok();
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "b", model = last, type = "output" })).Ok();
        await client.ChangeAsync("completed", id, new { publish = true });

        Assert.Equal("published", await client.StatusAsync(id));
        Assert.True((await client.GetModelAsync(last))["ready"]!.GetValue<bool>());
        Assert.False((await client.GetModelAsync(first))["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Reset_returns_a_task_to_created_and_deletes_its_draft_output_models()
    {
        using var client = _server.Client();
        var id = await client.CreateTaskAsync(extra: new { execution = new { artifacts = new object[] { new { key = "in", type = "str", mode = "input" } } } });
        await client.ChangeAsync("started", id);
        var draft = await client.CreateModelAsync("draft output", new { ready = false, task = id, uri = "http://files/draft.bin" });
        (await client.CallAsync("tasks.add_or_update_model", new { task = id, name = "w", model = draft, type = "output", iteration = 7 })).Ok();
        (await client.CallAsync("tasks.add_or_update_artifacts", new { task = id, artifacts = new[] { new { key = "out", type = "str" } } })).Ok();
        await client.ChangeAsync("stopped", id);

        var data = (await client.CallAsync("tasks.reset", new { task = id, return_file_urls = true })).Ok();
        Assert.Equal(1, data["deleted_models"]!.GetValue<int>());
        Assert.Equal(["http://files/draft.bin"], data["urls"]!["model_urls"].Strings());
        var task = await client.GetTaskAsync(id);
        Assert.Equal("created", task["status"].Text());
        Assert.Null(task["started"]);
        Assert.Equal(0, task["last_iteration"]!.GetValue<long>());
        Assert.Empty(task["models"]!["output"]!.AsArray());
        Assert.Equal(["in"], task["execution"]!["artifacts"]!.AsArray().Select(a => a!["key"].Text()));
        (await client.CallAsync("models.get_by_id", new { model = draft })).Fails(400, 201);
    }

    [Fact]
    public async Task Reset_takes_the_task_off_its_queue_and_clear_all_empties_execution_script_and_artifacts()
    {
        using var client = _server.Client();
        var execution = new { queue = "queue-1", framework = "PyTorch", artifacts = new object[] { new { key = "in", type = "str", mode = "input" } } };
        var id = await client.CreateTaskAsync(extra: new { execution, script = new { entry_point = "train.py" } });

        (await client.CallAsync("tasks.reset", new { task = id })).Ok();
        var task = await client.GetTaskAsync(id);
        Assert.Null(task["execution"]!["queue"]);
        Assert.Equal("PyTorch", task["execution"]!["framework"].Text());
        Assert.Equal(["in"], task["execution"]!["artifacts"]!.AsArray().Select(a => a!["key"].Text()));
        Assert.Equal("train.py", task["script"]!["entry_point"].Text());
        Assert.Empty((await client.CallAsync("tasks.get_all", new Dictionary<string, object> { ["execution.queue"] = new[] { "queue-1" }, ["id"] = new[] { id }, ["only_fields"] = new[] { "id" } })).Ok()["tasks"]!.AsArray());

        (await client.CallAsync("tasks.edit", new { task = id, force = true, execution = new { queue = "queue-2" } })).Ok();
        (await client.CallAsync("tasks.reset", new { task = id, clear_all = true })).Ok();
        task = await client.GetTaskAsync(id);
        Assert.Empty(task["execution"]!["artifacts"]!.AsArray());
        Assert.Null(task["execution"]!["queue"]);
        Assert.Null(task["execution"]!["framework"]);
        // Only ClearML's default script is left.
        Assert.Equal("", task["script"]!["entry_point"].Text());
        Assert.Equal("python", task["script"]!["binary"].Text());
    }

    [Fact]
    public async Task The_watchdog_stops_in_progress_tasks_that_stopped_pinging()
    {
        using var client = _server.Client();
        var silent = await client.CreateTaskAsync();
        var alive = await client.CreateTaskAsync();
        var draft = await client.CreateTaskAsync();
        await client.ChangeAsync("started", silent);
        await client.ChangeAsync("started", alive);
        var stale = DateTimeOffset.UtcNow.AddSeconds(-7201);
        await TasksApi.SetLastUpdateAsync(_server, silent, stale);
        await TasksApi.SetLastUpdateAsync(_server, draft, stale);

        Assert.True(await _server.Service<TaskWatchdog>().StopNonRespondingAsync() >= 1);
        var stopped = await client.GetTaskAsync(silent);
        Assert.Equal("stopped", stopped["status"].Text());
        Assert.Equal("Forced stop (non-responsive)", stopped["status_reason"].Text());
        Assert.Equal("in_progress", await client.StatusAsync(alive));
        Assert.Equal("created", await client.StatusAsync(draft));
    }
}
