using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary>
/// The web UI's debug-image viewer over HTTP: <c>events.get_debug_image_sample</c> (one variant's
/// image at an iteration) and <c>events.next_debug_image_sample</c> (stepping from it).
/// </summary>
public sealed class EventsDebugImageSampleTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private async Task<string> TaskWithImagesAsync(ApiClient client)
    {
        var task = await EventRows.InsertTaskAsync(_server);
        var images = new[] { 1, 3, 5 }.SelectMany(i => new[] { EventsApi.Image(task, i, "samples", "b"), EventsApi.Image(task, i, "samples", "a") })
            .Append(EventsApi.Image(task, 2, "samples", "c"))
            .Append(EventsApi.Image(task, 4, "other", "x"))
            .ToArray();
        (await client.AddBatchAsync(images)).Ok();
        return task;
    }

    private static (string Metric, string Variant, long Iter) At(JsonObject sample) =>
        (sample["event"]!["metric"]!.GetValue<string>(), sample["event"]!["variant"]!.GetValue<string>(), sample["event"]!["iter"]!.GetValue<long>());

    [Fact]
    public async Task A_sample_is_the_variants_image_at_the_iteration_or_the_latest_before_it()
    {
        using var client = _server.Client();
        var task = await TaskWithImagesAsync(client);

        var latest = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a" })).Ok();
        Assert.Equal(("samples", "a", 5L), At(latest));
        Assert.Equal("http://files/samples/a/5.png", latest["event"]!["url"]!.GetValue<string>());
        Assert.Equal(1, latest["min_iteration"]!.GetValue<long>());
        Assert.Equal(5, latest["max_iteration"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(latest["scroll_id"]!.GetValue<string>()));

        var before = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a", iteration = 4 })).Ok();
        Assert.Equal(("samples", "a", 3L), At(before));

        var tooEarly = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a", iteration = 0 })).Ok();
        Assert.Null(tooEarly["event"]);
        Assert.Equal(1, tooEarly["min_iteration"]!.GetValue<long>());

        var unknown = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "nope" })).Ok();
        Assert.Null(unknown["event"]);
        Assert.Null(unknown["min_iteration"]);
        Assert.Null(unknown["max_iteration"]);
        Assert.False(string.IsNullOrEmpty(unknown["scroll_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Next_steps_through_the_variants_of_an_iteration_then_to_the_neighbouring_iteration()
    {
        using var client = _server.Client();
        var task = await TaskWithImagesAsync(client);
        var start = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a", iteration = 3 })).Ok();

        async Task<JsonObject> NextAsync(JsonObject from, bool earlier, bool nextIteration = false) =>
            (await client.CallAsync("events.next_debug_image_sample", new
            {
                task,
                scroll_id = from["scroll_id"]!.GetValue<string>(),
                navigate_earlier = earlier,
                next_iteration = nextIteration,
            })).Ok();

        // Later: a → b at iteration 3, then iteration 5's first variant; "other" stays out (current metric).
        var b3 = await NextAsync(start, earlier: false);
        Assert.Equal(("samples", "b", 3L), At(b3));
        var a5 = await NextAsync(b3, earlier: false);
        Assert.Equal(("samples", "a", 5L), At(a5));
        Assert.Equal(1, a5["min_iteration"]!.GetValue<long>());
        Assert.Equal(5, a5["max_iteration"]!.GetValue<long>());
        var b5 = await NextAsync(a5, earlier: false);
        var end = await NextAsync(b5, earlier: false);
        Assert.Null(end["event"]);
        Assert.Equal(b5["scroll_id"]!.GetValue<string>(), end["scroll_id"]!.GetValue<string>());

        // Earlier from a@3: iteration 2's last variant (c, reported only there).
        var c2 = await NextAsync(start, earlier: true);
        Assert.Equal(("samples", "c", 2L), At(c2));
        Assert.Equal(2, c2["min_iteration"]!.GetValue<long>());

        // next_iteration skips the rest of the iteration: from a@3 later is a@5.
        Assert.Equal(("samples", "a", 5L), At(await NextAsync(start, earlier: false, nextIteration: true)));
    }

    [Fact]
    public async Task Without_navigate_current_metric_next_crosses_into_other_metrics()
    {
        using var client = _server.Client();
        var task = await TaskWithImagesAsync(client);
        var start = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "b", iteration = 3, navigate_current_metric = false })).Ok();
        var next = (await client.CallAsync("events.next_debug_image_sample", new { task, scroll_id = start["scroll_id"]!.GetValue<string>(), navigate_earlier = false })).Ok();
        Assert.Equal(("other", "x", 4L), At(next));
    }

    [Fact]
    public async Task A_scroll_id_of_another_task_or_not_ours_is_400_1104_and_an_unknown_task_is_400_101()
    {
        using var client = _server.Client();
        var task = await TaskWithImagesAsync(client);
        var other = await EventRows.InsertTaskAsync(_server);
        var scroll = (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a" })).Ok()["scroll_id"]!.GetValue<string>();

        (await client.CallAsync("events.next_debug_image_sample", new { task = other, scroll_id = scroll })).Fails(400, 1104);
        (await client.CallAsync("events.next_debug_image_sample", new { task, scroll_id = "sample~%%" })).Fails(400, 1104);
        (await client.CallAsync("events.next_debug_image_sample", new { task })).Fails(400, 1104);
        (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "other", variant = "x", scroll_id = scroll })).Fails(400, 1104);
        (await client.CallAsync("events.get_debug_image_sample", new { task = "no-such-task", metric = "samples", variant = "a" })).Fails(400, 101);
        (await client.CallAsync("events.get_debug_image_sample", new { task, variant = "a" })).Fails(400, 12); // jsonmodels: "field is required!"
        (await client.CallAsync("events.get_debug_image_sample", new { task, metric = "samples", variant = "a", iteration = "x" })).Fails(400, 12);
    }
}
