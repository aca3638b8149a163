using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary><c>events.add</c> and <c>events.add_batch</c>: acceptance rules, bad input, last_metrics (api.md §5.4).</summary>
public sealed class EventsAddTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task A_json_lines_batch_of_task_scalars_is_added_and_maintains_last_metrics_and_last_iteration()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var data = (await client.AddBatchAsync(
            EventsApi.Scalar(task, 1, 0.9), EventsApi.Scalar(task, 2, 0.5), EventsApi.Scalar(task, 3, 0.7),
            EventsApi.Log(task, "hello", 1_700_000_000_000))).Ok();
        Assert.Equal(4, data["added"]!.GetValue<int>());
        Assert.Equal(0, data["errors"]!.GetValue<int>());

        var row = await EventRows.TaskAsync(_server, task);
        Assert.Equal(3, row.LastIteration);
        Assert.True(row.LastUpdate > 0);
        var metric = JsonNode.Parse(row.LastMetrics!)![Md5("loss")]![Md5("train")]!;
        Assert.Equal("loss", metric["metric"]!.GetValue<string>());
        Assert.Equal("train", metric["variant"]!.GetValue<string>());
        Assert.Equal(0.7, metric["value"]!.GetValue<double>());
        Assert.Equal(0.5, metric["min_value"]!.GetValue<double>());
        Assert.Equal(2, metric["min_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.9, metric["max_value"]!.GetValue<double>());
        Assert.Equal(1, metric["max_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.9, metric["first_value"]!.GetValue<double>());
        Assert.Equal(1, metric["first_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.7, metric["mean_value"]!.GetValue<double>());
        Assert.Equal(3, metric["count"]!.GetValue<int>());

        // A later batch merges into the aggregates rather than replacing them.
        (await client.AddBatchAsync(EventsApi.Scalar(task, 10, 0.1))).Ok();
        metric = JsonNode.Parse((await EventRows.TaskAsync(_server, task)).LastMetrics!)![Md5("loss")]![Md5("train")]!;
        Assert.Equal(0.1, metric["value"]!.GetValue<double>());
        Assert.Equal(0.1, metric["min_value"]!.GetValue<double>());
        Assert.Equal(10, metric["min_value_iteration"]!.GetValue<long>());
        Assert.Equal(0.9, metric["max_value"]!.GetValue<double>());
        Assert.Equal(4, metric["count"]!.GetValue<int>());
        Assert.Equal(0.55, metric["mean_value"]!.GetValue<double>());
        Assert.Equal(10, (await EventRows.TaskAsync(_server, task)).LastIteration);
    }

    [Fact]
    public async Task Model_scalars_update_the_model_document_and_the_model_id_may_come_as_model()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        (await client.AddBatchAsync(EventsApi.Scalar(model, 5, 2.5, metric: "acc", variant: "val", model: true))).Ok();
        var moved = new { type = "training_stats_scalar", model, iter = 7, metric = "acc", variant = "val", value = 3.5, model_event = true };
        Assert.Equal(1, (await client.CallAsync("events.add", moved)).Ok()["added"]!.GetValue<int>());

        var document = await client.GetModelAsync(model);
        Assert.Equal(7, document["last_iteration"]!.GetValue<long>());
        var metric = document["last_metrics"]![Md5("acc")]![Md5("val")]!;
        Assert.Equal(3.5, metric["value"]!.GetValue<double>());
        Assert.Equal(2, metric["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Resending_the_same_point_overwrites_it_while_logs_always_append()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 1.0), EventsApi.Log(task, "a", 1))).Ok();
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 2.0), EventsApi.Log(task, "a", 1))).Ok();
        Assert.Equal(3, await EventRows.CountEventsAsync(_server, task));
        var histogram = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task })).Ok();
        Assert.Equal([2.0], histogram["loss"]!["train"]!["y"]!.AsArray().Select(v => v!.GetValue<double>()));
    }

    [Fact]
    public async Task A_plain_json_body_counts_as_a_one_event_batch_and_an_empty_batch_is_400_17()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var data = (await client.CallAsync("events.add_batch", EventsApi.Scalar(task, 1, 1.0))).Ok();
        Assert.Equal(1, data["added"]!.GetValue<int>());
        (await client.SendAsync("events.add_batch", "\n\n", "application/json-lines")).Fails(400, 17);
        (await client.CallAsync("events.add_batch")).Fails(400, 17);
    }

    [Fact]
    public async Task Rejected_events_are_counted_by_reason_beside_the_added_ones()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var data = (await client.AddBatchAsync(
            EventsApi.Scalar(task, 1, 1.0),
            new { task, iter = 1, metric = "m", variant = "v", value = 1 },
            new { type = "training_stats_scalar", iter = 1, metric = "m", variant = "v", value = 1 },
            new { type = "nonsense", task },
            EventsApi.Scalar(EventRows.OtherCompany, 1, 1.0))).Ok();
        Assert.Equal(1, data["added"]!.GetValue<int>());
        Assert.Equal(4, data["errors"]!.GetValue<int>());
        var info = data["errors_info"]!.AsObject();
        Assert.Equal(1, info["Event must have a 'type' field"]!.GetValue<int>());
        Assert.Equal(1, info["Event must have a 'task' field"]!.GetValue<int>());
        Assert.Equal(1, info["Invalid event type nonsense"]!.GetValue<int>());
        Assert.Equal(1, info[$"Invalid task id {EventRows.OtherCompany}"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_batch_with_nothing_accepted_is_400_131_with_the_reasons()
    {
        using var client = _server.Client();
        var response = (await client.AddBatchAsync(new { type = "training_stats_scalar", value = 1 }, new { type = "bogus", task = "x" })).Fails(400, 131);
        var reasons = response.Meta["error_data"]!.AsObject();
        Assert.Equal(1, reasons["Event must have a 'task' field"]!.GetValue<int>());
        Assert.Equal(1, reasons["Invalid event type bogus"]!.GetValue<int>());
    }

    [Fact]
    public async Task Events_for_a_published_task_or_model_are_refused_unless_allow_locked()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server, status: "published");
        var model = await client.CreateModelAsync(ready: true);
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 1.0))).Fails(400, 131);
        var response = (await client.AddBatchAsync(EventsApi.Scalar(model, 1, 1.0, model: true))).Fails(400, 131);
        Assert.Equal(1, response.Meta["error_data"]![$"Invalid model id {model}"]!.GetValue<int>());
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, model));

        var locked = new { type = "training_stats_scalar", task = model, iter = 1, metric = "m", variant = "v", value = 1, model_event = true, allow_locked = true };
        Assert.Equal(1, (await client.CallAsync("events.add", locked)).Ok()["added"]!.GetValue<int>());
        var lockedTask = new { type = "training_stats_scalar", task, iter = 1, metric = "m", variant = "v", value = 1, allow_locked = true };
        Assert.Equal(1, (await client.CallAsync("events.add", lockedTask)).Ok()["added"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_foreign_task_a_missing_model_and_a_task_sent_as_model_are_refused()
    {
        using var client = _server.Client();
        var foreign = await EventRows.InsertTaskAsync(_server, company: EventRows.OtherCompany);
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(EventsApi.Scalar(foreign, 1, 1.0))).Fails(400, 131);
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 1.0, model: true))).Fails(400, 131);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, foreign));
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task One_id_as_both_task_and_model_in_a_call_is_400_12_and_nothing_is_stored()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(EventsApi.Scalar(task, 1, 1.0), EventsApi.Scalar(task, 2, 1.0, model: true))).Fails(400, 12);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task Log_events_for_a_model_and_bad_values_are_rejected_by_reason()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        var task = await EventRows.InsertTaskAsync(_server);
        var data = (await client.AddBatchAsync(
            EventsApi.Scalar(task, 1, 1.0),
            new { type = "log", task = model, msg = "x", model_event = true },
            new { type = "training_stats_scalar", task, iter = 2, metric = "m", variant = "v", value = "high" },
            new { type = "training_stats_scalar", task, iter = 1e30, metric = "m", variant = "v", value = 1 })).Ok();
        Assert.Equal(1, data["added"]!.GetValue<int>());
        Assert.Equal(3, data["errors"]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_json_lines_are_400_0_and_a_wrongly_typed_flag_is_400_12()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.SendAsync("events.add_batch", "{\"type\": \"log\"\nnot json\n", "application/json-lines")).Fails(400, 0);
        (await client.CallAsync("events.add", new { type = "log", task, model_event = "yes" })).Fails(400, 12);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task Single_values_do_not_raise_last_iteration_and_vector_values_are_renamed()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(
            EventsApi.Scalar(task, EventsApi.SingleValueIter, 0.93, metric: "Summary", variant: "accuracy"),
            new { type = "training_stats_vector", task, iter = 4, metric = "vec", variant = "v", values = new[] { 1, 2, 3 } })).Ok();
        Assert.Equal(4, (await EventRows.TaskAsync(_server, task)).LastIteration);
        var events = (await client.CallAsync("events.get_task_events", new { task, event_type = "training_stats_vector" })).Ok()["events"]!.AsArray();
        Assert.Equal([1, 2, 3], events.Single()!["value"]!.AsArray().Select(v => v!.GetValue<int>()));
    }
}
