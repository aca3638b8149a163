using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary>The <c>events.*</c> reads, over tasks and (with <c>model_events</c>) models (api.md §5.4).</summary>
public sealed class EventsReadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static List<double> Numbers(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<double>()).ToList();

    [Fact]
    public async Task The_histogram_returns_every_point_below_the_sample_count_and_leaves_single_values_out()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        (await client.AddBatchAsync(
            EventsApi.Scalar(model, 0, 1, model: true), EventsApi.Scalar(model, 1, 2, model: true), EventsApi.Scalar(model, 2, 4, model: true),
            EventsApi.Scalar(model, EventsApi.SingleValueIter, 9, metric: "Summary", variant: "acc", model: true))).Ok();
        var data = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task = model, model_events = true })).Ok();
        Assert.Equal(["loss"], data.Select(kv => kv.Key));
        var series = data["loss"]!["train"]!;
        Assert.Equal("train", series["name"]!.GetValue<string>());
        Assert.Equal([0.0, 1, 2], Numbers(series["x"]));
        Assert.Equal([1.0, 2, 4], Numbers(series["y"]));
    }

    [Fact]
    public async Task The_histogram_averages_buckets_of_ceil_range_over_samples_iterations()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var events = Enumerable.Range(0, 10).Select(i => EventsApi.Scalar(task, i, i)).ToArray();
        (await client.AddBatchAsync(events)).Ok();
        // 10 points, 4 samples: interval ceil(10 / 4) = 3, buckets start at 0, 3, 6, 9.
        var series = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, samples = 4 })).Ok()["loss"]!["train"]!;
        Assert.Equal([0.0, 3, 6, 9], Numbers(series["x"]));
        Assert.Equal([1.0, 4, 7, 9], Numbers(series["y"]));

        var byTime = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, key = "iso_time" })).Ok()["loss"]!["train"]!;
        Assert.Equal(10, byTime["x"]!.AsArray().Count);
        Assert.StartsWith("2023-11-14T", byTime["x"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_histogram_refuses_bad_samples_and_keys_and_unknown_entities()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, samples = 0 })).Fails(400, 12);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, samples = 6001 })).Fails(400, 12);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, key = "epoch" })).Fails(400, 12);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { })).Fails(400, 12);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task = "0123456789abcdef0123456789abcdee" })).Fails(400, 101);
        (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task, model_events = true })).Fails(400, 201);
    }

    [Fact]
    public async Task Plots_come_back_uncompressed_for_the_latest_iterations_even_when_large()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var large = "{\"data\": \"" + new string('x', 150_000) + "\"}";
        (await client.AddBatchAsync(EventsApi.Plot(task, 1, "{\"a\":1}"), EventsApi.Plot(task, 2, large), EventsApi.Plot(task, 3, "{\"a\":3}", variant: "pr"))).Ok();

        var data = (await client.CallAsync("events.get_task_plots", new { task, iters = 1 })).Ok();
        var plots = data["plots"]!.AsArray();
        Assert.Equal(2, data["returned"]!.GetValue<int>());
        Assert.Equal(["pr", "roc"], plots.Select(p => p!["variant"]!.GetValue<string>()));
        Assert.Equal(large, plots[1]!["plot_str"]!.GetValue<string>());
        Assert.Equal(2, plots[1]!["iter"]!.GetValue<long>());

        var both = (await client.CallAsync("events.get_task_plots", new { task, iters = 2, metrics = new[] { new { metric = "plots", variants = new[] { "roc" } } } })).Ok();
        Assert.Equal([2L, 1L], both["plots"]!.AsArray().Select(p => p!["iter"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Single_value_metrics_are_listed_per_entity_with_its_name()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        (await client.AddBatchAsync(
            EventsApi.Scalar(model, EventsApi.SingleValueIter, 0.93, metric: "Summary", variant: "accuracy", model: true),
            EventsApi.Scalar(model, 3, 0.5, model: true))).Ok();
        var data = (await client.CallAsync("events.get_task_single_value_metrics", new { tasks = new[] { model }, model_events = true })).Ok();
        var entry = data["tasks"]!.AsArray().Single()!;
        Assert.Equal(model, entry["task"]!.GetValue<string>());
        Assert.StartsWith("events model", entry["task_name"]!.GetValue<string>(), StringComparison.Ordinal);
        var value = entry["values"]!.AsArray().Single()!;
        Assert.Equal("Summary", value["metric"]!.GetValue<string>());
        Assert.Equal("accuracy", value["variant"]!.GetValue<string>());
        Assert.Equal(0.93, value["value"]!.GetValue<double>());
        (await client.CallAsync("events.get_task_single_value_metrics", new { tasks = Array.Empty<string>() })).Fails(400, 12);
    }

    [Fact]
    public async Task Task_events_page_by_time_with_a_scroll_id()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(
            EventsApi.Scalar(task, 1, 1, timestamp: 10), EventsApi.Log(task, "two", 20), EventsApi.Scalar(task, 2, 3, timestamp: 30))).Ok();
        var first = (await client.CallAsync("events.get_task_events", new { task, batch_size = 2 })).Ok();
        Assert.Equal(3, first["total"]!.GetValue<int>());
        Assert.Equal([10L, 20L], first["events"]!.AsArray().Select(e => e!["timestamp"]!.GetValue<long>()));
        var scroll = first["scroll_id"]!.GetValue<string>();
        var second = (await client.CallAsync("events.get_task_events", new { task, batch_size = 2, scroll_id = scroll })).Ok();
        var last = second["events"]!.AsArray().Single()!;
        Assert.Equal("training_stats_scalar", last["type"]!.GetValue<string>());
        Assert.Equal(3, last["value"]!.GetValue<double>());

        var descending = (await client.CallAsync("events.get_task_events", new { task, order = "desc", event_type = "log" })).Ok();
        Assert.Equal("two", descending["events"]!.AsArray().Single()!["msg"]!.GetValue<string>());
        (await client.CallAsync("events.get_task_events", new { task, scroll_id = "bogus" })).Fails(400, 12);
        (await client.CallAsync("events.get_task_events", new { task, order = "up" })).Fails(400, 12);
    }

    [Fact]
    public async Task Task_events_scroll_to_the_end_without_repeats_and_keep_the_first_total()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        // Equal timestamps across series: the scroll position has to break the ties.
        var events = Enumerable.Range(0, 30)
            .SelectMany(i => new[] { EventsApi.Scalar(task, i, i, timestamp: 1000 + (i / 5)), EventsApi.Scalar(task, i, -i, variant: "eval", timestamp: 1000 + (i / 5)) })
            .ToArray();
        (await client.AddBatchAsync(events)).Ok();

        var seen = new List<(string, long)>();
        string? scroll = null;
        for (var pages = 0; pages < 20; pages++)
        {
            var page = (await client.CallAsync("events.get_task_events", new { task, batch_size = 7, order = "desc", scroll_id = scroll })).Ok();
            Assert.Equal(60, page["total"]!.GetValue<int>());
            var batch = page["events"]!.AsArray();
            if (batch.Count == 0)
            {
                break;
            }
            if (pages == 0)
            {
                // Reported after the scroll began: the total is the one counted on the first page.
                (await client.AddBatchAsync(EventsApi.Scalar(task, 99, 1, variant: "late", timestamp: 1))).Ok();
            }
            seen.AddRange(batch.Select(e => (e!["variant"]!.GetValue<string>(), e["iter"]!.GetValue<long>())));
            scroll = page["scroll_id"]!.GetValue<string>();
        }
        Assert.Equal(61, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(("late", 99L), seen[^1]);
    }

    [Fact]
    public async Task Plots_come_in_pages_of_500_with_a_scroll_id_and_no_scroll_gives_none()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var plots = Enumerable.Range(1, 300)
            .SelectMany(i => new[] { EventsApi.Plot(task, i, "{}", variant: "roc"), EventsApi.Plot(task, i, "{}", variant: "pr") })
            .ToArray();
        (await client.AddBatchAsync(plots)).Ok();

        var first = (await client.CallAsync("events.get_task_plots", new { task, iters = 300 })).Ok();
        Assert.Equal(500, first["returned"]!.GetValue<int>());
        Assert.Equal(600, first["total"]!.GetValue<int>());
        var firstPlots = first["plots"]!.AsArray();
        Assert.Equal(("pr", 300L), (firstPlots[0]!["variant"]!.GetValue<string>(), firstPlots[0]!["iter"]!.GetValue<long>()));
        Assert.Equal(("roc", 300L), (firstPlots[300]!["variant"]!.GetValue<string>(), firstPlots[300]!["iter"]!.GetValue<long>()));
        var second = (await client.CallAsync("events.get_task_plots", new { task, iters = 300, scroll_id = first["scroll_id"]!.GetValue<string>() })).Ok();
        Assert.Equal(100, second["returned"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)(101 - i)), second["plots"]!.AsArray().Select(p => p!["iter"]!.GetValue<long>()));
        var end = (await client.CallAsync("events.get_task_plots", new { task, iters = 300, scroll_id = second["scroll_id"]!.GetValue<string>() })).Ok();
        Assert.Equal(0, end["returned"]!.GetValue<int>());

        var once = (await client.CallAsync("events.get_task_plots", new { task, iters = 1, no_scroll = true })).Ok();
        Assert.Equal(2, once["returned"]!.GetValue<int>());
        Assert.Null(once["scroll_id"]);
        (await client.CallAsync("events.get_task_plots", new { task, scroll_id = "plots~1~%%%" })).Fails(400, 12);
    }

    [Fact]
    public async Task Debug_images_come_by_iteration_newest_first_and_the_scroll_navigates_earlier_and_later()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var images = Enumerable.Range(1, 5).SelectMany(i => new[] { EventsApi.Image(task, i, "samples", "b"), EventsApi.Image(task, i, "samples", "a") })
            .Append(EventsApi.Image(task, 9, "other", "x"))
            .ToArray();
        (await client.AddBatchAsync(images)).Ok();

        async Task<(List<long> Iterations, string Scroll)> ReadAsync(object body)
        {
            var data = (await client.CallAsync("events.debug_images", body)).Ok();
            var entry = data["metrics"]!.AsArray().Single()!;
            Assert.Equal(task, entry["task"]!.GetValue<string>());
            var iterations = entry["iterations"]!.AsArray();
            foreach (var iteration in iterations)
            {
                // Both variants of an iteration, by variant, each with its URL.
                Assert.Equal(["a", "b"], iteration!["events"]!.AsArray().Select(e => e!["variant"]!.GetValue<string>()));
                Assert.All(iteration["events"]!.AsArray(), e => Assert.EndsWith($"/{iteration["iter"]}.png", e!["url"]!.GetValue<string>(), StringComparison.Ordinal));
            }
            return (iterations.Select(i => i!["iter"]!.GetValue<long>()).ToList(), data["scroll_id"]!.GetValue<string>());
        }

        var metrics = new[] { new { task, metric = "samples" } };
        var (latest, scroll) = await ReadAsync(new { metrics, iters = 2 });
        Assert.Equal([5L, 4L], latest);
        var (earlier, scroll2) = await ReadAsync(new { metrics, iters = 2, scroll_id = scroll });
        Assert.Equal([3L, 2L], earlier);
        var (earliest, scroll3) = await ReadAsync(new { metrics, iters = 2, scroll_id = scroll2 });
        Assert.Equal([1L], earliest);
        Assert.Empty((await ReadAsync(new { metrics, iters = 2, scroll_id = scroll3 })).Iterations);
        Assert.Empty((await ReadAsync(new { metrics, iters = 2, scroll_id = scroll3, navigate_earlier = false })).Iterations);
        Assert.Equal([5L, 4L], (await ReadAsync(new { metrics, iters = 2, scroll_id = scroll3, refresh = true })).Iterations);

        // Every metric when none is named; a bad scroll id or a missing list is the client's error.
        var all = (await client.CallAsync("events.debug_images", new { metrics = new[] { new { task } }, iters = 1 })).Ok();
        Assert.Equal([9L], all["metrics"]![0]!["iterations"]!.AsArray().Select(i => i!["iter"]!.GetValue<long>()));
        (await client.CallAsync("events.debug_images", new { metrics, scroll_id = "images~%%" })).Fails(400, 12);
        (await client.CallAsync("events.debug_images", new { iters = 1 })).Fails(400, 12);
        (await client.CallAsync("events.debug_images", new { metrics = new[] { new { task = "no-such-task" } } })).Fails(400, 101);
    }

    [Fact]
    public async Task Vector_metrics_come_back_as_vectors_by_iteration_oldest_first()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(
            EventsApi.Vector(task, 2, [3, 4]), EventsApi.Vector(task, 1, [1, 2]), EventsApi.Vector(task, 1, [9], variant: "other"))).Ok();

        var data = (await client.CallAsync("events.vector_metrics_iter_histogram", new { task, metric = "hist", variant = "weights" })).Ok();
        Assert.Equal("hist", data["metric"]!.GetValue<string>());
        Assert.Equal([1L, 2L], data["iterations"]!.AsArray().Select(i => i!.GetValue<long>()));
        Assert.Equal([[1.0, 2.0], [3.0, 4.0]], data["vectors"]!.AsArray().Select(v => v!.AsArray().Select(x => x!.GetValue<double>()).ToArray()));
        var none = (await client.CallAsync("events.vector_metrics_iter_histogram", new { task, metric = "hist", variant = "missing" })).Ok();
        Assert.Empty(none["vectors"]!.AsArray());
        (await client.CallAsync("events.vector_metrics_iter_histogram", new { task, metric = "hist" })).Fails(400, 12);
    }

    [Fact]
    public async Task The_task_log_navigates_from_the_latest_backwards_by_timestamp()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(EventsApi.Log(task, "a", 1), EventsApi.Log(task, "b", 2), EventsApi.Log(task, "c", 3))).Ok();
        var latest = (await client.CallAsync("events.get_task_log", new { task, batch_size = 2 })).Ok();
        Assert.Equal(3, latest["total"]!.GetValue<int>());
        Assert.Equal(["c", "b"], latest["events"]!.AsArray().Select(e => e!["msg"]!.GetValue<string>()));
        var earlier = (await client.CallAsync("events.get_task_log", new { task, batch_size = 2, from_timestamp = 2 })).Ok();
        Assert.Equal(["a"], earlier["events"]!.AsArray().Select(e => e!["msg"]!.GetValue<string>()));
        var later = (await client.CallAsync("events.get_task_log", new { task, navigate_earlier = false, from_timestamp = 1 })).Ok();
        Assert.Equal(["b", "c"], later["events"]!.AsArray().Select(e => e!["msg"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Metrics_and_variants_are_listed_per_type_and_per_entity()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        (await client.AddBatchAsync(
            EventsApi.Scalar(task, 1, 1, metric: "loss", variant: "train"), EventsApi.Scalar(task, 1, 1, metric: "loss", variant: "val"),
            EventsApi.Scalar(task, 1, 1, metric: "acc", variant: "val"), EventsApi.Plot(task, 1, "{}", metric: "charts"))).Ok();
        var metrics = (await client.CallAsync("events.get_task_metrics", new { tasks = new[] { task }, event_type = "training_stats_scalar" })).Ok()["metrics"]!.AsArray();
        Assert.Equal(["acc", "loss"], metrics.Single()!["metrics"]!.AsArray().Select(m => m!.GetValue<string>()));
        var all = (await client.CallAsync("events.get_task_metrics", new { tasks = new[] { task } })).Ok()["metrics"]!.AsArray();
        Assert.Equal(["acc", "charts", "loss"], all.Single()!["metrics"]!.AsArray().Select(m => m!.GetValue<string>()));

        var variants = (await client.CallAsync("events.get_scalar_metrics_and_variants", new { task })).Ok()["metrics"]!;
        Assert.Equal(["train", "val"], variants["loss"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal("val", variants["acc"]!["val"]!["name"]!.GetValue<string>());
        (await client.CallAsync("events.get_task_metrics", new { tasks = new[] { "0123456789abcdef0123456789abcdee" } })).Fails(400, 101);
    }

    [Fact]
    public async Task Delete_for_model_removes_its_events_and_a_published_model_needs_allow_locked()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        (await client.AddBatchAsync(EventsApi.Scalar(model, 1, 1, model: true), EventsApi.Plot(model, 1, "{}", model: true))).Ok();
        Assert.Equal(2, (await client.CallAsync("events.delete_for_model", new { model })).Ok()["deleted"]!.GetValue<int>());
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, model));
        Assert.Null((await client.GetModelAsync(model))["last_metrics"]);

        var published = await client.CreateModelAsync(ready: true);
        (await client.AddBatchAsync(new { type = "training_stats_scalar", task = published, iter = 1, metric = "m", variant = "v", value = 1, model_event = true, allow_locked = true })).Ok();
        (await client.CallAsync("events.delete_for_model", new { model = published })).Fails(400, 203);
        Assert.Equal(1, await EventRows.CountEventsAsync(_server, published));
        Assert.Equal(1, (await client.CallAsync("events.delete_for_model", new { model = published, allow_locked = true })).Ok()["deleted"]!.GetValue<int>());
        (await client.CallAsync("events.delete_for_model", new { model = "0123456789abcdef0123456789abcdee" })).Fails(400, 201);
    }

    [Fact]
    public async Task Deleting_a_model_deletes_its_events()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        (await client.AddBatchAsync(EventsApi.Scalar(model, 1, 1, model: true))).Ok();
        (await client.CallAsync("models.delete", new { model })).Ok();
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, model));
    }
}
