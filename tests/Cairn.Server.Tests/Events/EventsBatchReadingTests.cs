using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary>
/// How <c>events.add_batch</c> reads a json-lines body: scalar lines as the SDK writes them are read
/// without a node tree, every other line as a JSON object, and both must give the same outcome.
/// </summary>
public sealed class EventsBatchReadingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    private static string Line(string task, long iter, double value, string extra = "") =>
        $$"""{"timestamp": {{1_700_000_000_000 + iter}}, "type": "training_stats_scalar", "task": "{{task}}", "iter": {{iter}}, "metric": "loss", "variant": "train", "value": {{value}}{{extra}}}""";

    private static Task<ApiResponse> SendLinesAsync(ApiClient client, params string[] lines) =>
        client.SendAsync("v2.23/events.add_batch", string.Join("\n", lines) + "\n", "application/json-lines");

    [Fact]
    public async Task Scalar_lines_in_the_sdk_form_and_in_other_spellings_store_the_same_points_and_last_metrics()
    {
        using var client = _server.Client();
        var plain = await EventRows.InsertTaskAsync(_server);
        var spelled = await EventRows.InsertTaskAsync(_server);
        (await SendLinesAsync(client, Line(plain, 1, 0.5), Line(plain, 2, 0.25), Line(plain, 3, 0.75))).Ok();
        // The same points with an escaped name, an unknown field, a float iteration and "ts" for
        // "timestamp": each sends the line the general way.
        (await SendLinesAsync(client,
            $$"""{"timestamp": 1700000000001, "type": "training_stats_scalar", "task": "{{spelled}}", "iter": 1, "metric": "lo\u0073s", "variant": "train", "value": 0.5}""",
            Line(spelled, 2, 0.25, ", \"extra\": {\"nested\": [1, 2]}"),
            $$"""{"ts": 1700000000003, "type": "training_stats_scalar", "task": "{{spelled}}", "iter": 3.0, "metric": "loss", "variant": "train", "value": 0.75}""")).Ok();

        var expected = (await EventRows.TaskAsync(_server, plain)).LastMetrics;
        Assert.NotNull(expected);
        Assert.Equal(expected, (await EventRows.TaskAsync(_server, spelled)).LastMetrics);
        var plainPoints = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task = plain })).Ok().ToJsonString();
        var spelledPoints = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task = spelled })).Ok().ToJsonString();
        Assert.Equal(plainPoints, spelledPoints);
        Assert.Equal(3, await EventRows.CountEventsAsync(_server, spelled));
    }

    [Fact]
    public async Task A_model_scalar_line_may_name_its_model_in_model_and_rejects_count_by_reason()
    {
        using var client = _server.Client();
        var model = await client.CreateModelAsync();
        var task = await EventRows.InsertTaskAsync(_server);
        var data = (await SendLinesAsync(client,
            $$"""{"type": "training_stats_scalar", "model": "{{model}}", "iter": 4, "metric": "acc", "variant": "val", "value": 1.5, "model_event": true}""",
            Line(task, 1, 1.0),
            $$"""{"type": "training_stats_scalar", "task": "{{task}}", "iter": "one", "metric": "m", "variant": "v", "value": 1}""",
            $$"""{"type": "training_stats_scalar", "task": "{{task}}", "iter": 2, "metric": 7, "variant": "v", "value": 1}""",
            $$"""{"type": "training_stats_scalar", "task": "{{task}}", "iter": 2, "metric": "m", "variant": "v", "value": null}""",
            $$"""{"type": "training_stats_scalar", "task": "{{task}}", "iter": 2, "metric": "m", "variant": "v", "value": 1e400}""",
            $$"""{"type": "training_stats_scalar", "task": "{{task}}", "iter": 2, "metric": "m", "variant": "v", "value": 1, "timestamp": 1e30}""",
            """{"type": "training_stats_scalar", "iter": 2, "metric": "m", "variant": "v", "value": 1}""")).Ok();

        Assert.Equal(2, data["added"]!.GetValue<int>());
        Assert.Equal(6, data["errors"]!.GetValue<int>());
        var info = data["errors_info"]!.AsObject();
        // The reasons of missing fields come before those of bad values, whatever the line order.
        Assert.Equal(
            ["Event must have a 'task' field", "Invalid iteration", "Metric and variant must be strings", "Scalar event value must be a number", "Invalid timestamp"],
            info.Select(kv => kv.Key));
        Assert.Equal(2, info["Scalar event value must be a number"]!.GetValue<int>());
        Assert.Equal(4, (await client.GetModelAsync(model))["last_iteration"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("{\"type\": \"training_stats_scalar\", \"task\": \"t\", \"iter\": 1, \"iter\": 2, \"metric\": \"m\", \"variant\": \"v\", \"value\": 1}")]
    [InlineData("{\"type\": \"training_stats_scalar\", \"task\": \"t\", \"iter\": 1, \"metric\": \"m\", \"variant\": \"v\", \"value\": 1} trailing")]
    [InlineData("{\"type\": \"training_stats_scalar\", \"task\": \"t\", \"iter\": 1, \"metric\": \"\\ud800\", \"variant\": \"v\", \"value\": 1}")]
    [InlineData("{\"type\": \"training_stats_scalar\", \"task\": \"t\", \"iter\": 1, \"metric\": \"m\", \"variant\": \"v\", \"value\": 1")]
    [InlineData("{\"type\": \"training_stats_scalar\", \"task\": \"t\", \"iter\": 01, \"metric\": \"m\", \"variant\": \"v\", \"value\": 1}")]
    public async Task A_bad_scalar_line_is_400_0_naming_it_and_nothing_is_stored(string bad)
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var response = (await SendLinesAsync(client, Line(task, 1, 1.0), "", bad.Replace("\"t\"", $"\"{task}\"", StringComparison.Ordinal))).Fails(400, 0);
        Assert.Contains("line 3", response.Message);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task Invalid_utf8_in_a_scalar_line_is_400_0()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        byte[] body = [.. Encoding.UTF8.GetBytes(Line(task, 1, 1.0) + "\n{\"type\": \"training_stats_scalar\", \"task\": \"" + task + "\", \"iter\": 2, \"metric\": \""),
            0xC3, 0x28, .. "\", \"variant\": \"v\", \"value\": 1}\n"u8.ToArray()];
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2.23/events.add_batch") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json-lines");
        var response = (await ApiClient.ParseAsync(await client.RawAsync(request))).Fails(400, 0);
        Assert.Contains("line 2", response.Message);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task A_malformed_line_anywhere_is_answered_before_a_wrongly_typed_field_on_an_earlier_one()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var flag = Line(task, 1, 1.0, ", \"model_event\": \"yes\"");
        (await SendLinesAsync(client, flag, Line(task, 2, 1.0), "{not json")).Fails(400, 0);
        var response = (await SendLinesAsync(client, flag, Line(task, 2, 1.0))).Fails(400, 12);
        Assert.Contains("model_event", response.Message);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_answered_before_an_inconsistent_allow_locked_on_earlier_lines()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var locked = Line(task, 1, 1.0, ", \"allow_locked\": true");
        var unlocked = Line(task, 2, 1.0, ", \"allow_locked\": false");
        var inconsistent = (await SendLinesAsync(client, locked, unlocked)).Fails(400, 12);
        Assert.Contains("inconsistent allow_locked", inconsistent.Message);
        var typed = (await SendLinesAsync(client, locked, unlocked, Line(task, 3, 1.0, ", \"allow_locked\": 1"))).Fails(400, 12);
        Assert.Contains("allow_locked': expected a boolean, got 1", typed.Message);
        Assert.Equal(0, await EventRows.CountEventsAsync(_server, task));
    }

    [Fact]
    public async Task Many_lines_with_interleaved_series_keep_each_series_aggregates()
    {
        using var client = _server.Client();
        var task = await EventRows.InsertTaskAsync(_server);
        var lines = new List<string>();
        for (var iter = 0; iter < 500; iter++)
        {
            foreach (var variant in new[] { "a", "b", "c" })
            {
                lines.Add($$"""{"timestamp": {{1_700_000_000_000 + iter}}, "type": "training_stats_scalar", "task": "{{task}}", "iter": {{iter}}, "metric": "loss", "variant": "{{variant}}", "value": {{iter + (variant == "b" ? 1000 : 0)}}}""");
            }
        }
        Assert.Equal(1500, (await SendLinesAsync(client, [.. lines])).Ok()["added"]!.GetValue<int>());

        var metrics = JsonNode.Parse((await EventRows.TaskAsync(_server, task)).LastMetrics!)!.AsObject().Single().Value!.AsObject();
        var byVariant = metrics.Select(kv => kv.Value!).ToDictionary(v => v["variant"]!.GetValue<string>());
        Assert.Equal(["a", "b", "c"], byVariant.Keys.Order());
        Assert.All(byVariant.Values, v => Assert.Equal(500, v["count"]!.GetValue<int>()));
        Assert.Equal(1499, byVariant["b"]["value"]!.GetValue<double>());
        Assert.Equal(1000, byVariant["b"]["min_value"]!.GetValue<double>());
        Assert.Equal(249.5, byVariant["c"]["mean_value"]!.GetValue<double>());
        Assert.Equal(499, (await EventRows.TaskAsync(_server, task)).LastIteration);
    }
}
