using Cairn.Server.Tests.Models;
using Cairn.Server.Tests.Tasks;
using Cairn.Testing;
using Xunit;

namespace Cairn.Server.Tests.Events;

/// <summary><c>events.multi_task_scalar_metrics_iter_histogram</c>: the web UI's comparison of scalars across tasks or models.</summary>
public sealed class EventsCompareTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Scalars_of_several_tasks_come_back_per_metric_variant_and_task_with_the_task_name()
    {
        using var client = _server.Client();
        var first = await client.CreateTaskAsync(extra: new { name = "compare first" });
        var second = await client.CreateTaskAsync(extra: new { name = "compare second" });
        (await client.AddBatchAsync(EventsApi.Scalar(first, 0, 1.0), EventsApi.Scalar(first, 1, 0.5), EventsApi.Scalar(second, 0, 2.0), EventsApi.Scalar(second, 0, 3.0, variant: "val"))).Ok();

        var metrics = (await client.CallAsync("events.multi_task_scalar_metrics_iter_histogram", new { tasks = new[] { first, second } })).Ok()["metrics"]!;
        var train = metrics["loss"]!["train"]!;
        Assert.Equal("compare first", train[first]!["name"].Text());
        Assert.Equal([0.0, 1.0], train[first]!["x"]!.AsArray().Select(x => x!.GetValue<double>()));
        Assert.Equal([1.0, 0.5], train[first]!["y"]!.AsArray().Select(y => y!.GetValue<double>()));
        Assert.Equal("compare second", train[second]!["name"].Text());
        Assert.Equal([second], metrics["loss"]!["val"]!.AsObject().Select(kv => kv.Key));

        // A comma-separated string names the tasks too; an unknown one is 400/101.
        var byString = (await client.CallAsync("events.multi_task_scalar_metrics_iter_histogram", new { tasks = $"{first}, {second}" })).Ok();
        Assert.Equal(2, byString["metrics"]!["loss"]!["train"]!.AsObject().Count);
        (await client.CallAsync("events.multi_task_scalar_metrics_iter_histogram", new { tasks = new[] { first, "0123456789abcdef0123456789abcdef" } })).Fails(400, 101);
        (await client.CallAsync("events.multi_task_scalar_metrics_iter_histogram", new { })).Fails(400, 12);
    }

    [Fact]
    public async Task Plots_of_several_tasks_come_back_per_metric_variant_task_and_iteration()
    {
        using var client = _server.Client();
        var first = await client.CreateTaskAsync(extra: new { name = "plots first" });
        var second = await client.CreateTaskAsync(extra: new { name = "plots second" });
        (await client.AddBatchAsync(
            EventsApi.Plot(first, 1, "{\"data\": [1]}"), EventsApi.Plot(first, 2, "{\"data\": [2]}"),
            EventsApi.Plot(second, 5, "{\"data\": [5]}"))).Ok();

        var data = (await client.CallAsync("events.get_multi_task_plots", new { tasks = new[] { first, second }, iters = 1 })).Ok();
        var roc = data["plots"]!["plots"]!["roc"]!;
        var latestOfFirst = roc[first]!["2"]!;
        Assert.Equal("plots first", latestOfFirst["name"].Text());
        Assert.Equal(2, Assert.Single(latestOfFirst["plots"]!.AsArray())!["iter"]!.GetValue<int>());
        Assert.Null(roc[first]!["1"]); // Only the latest iteration (iters = 1).
        Assert.Equal("plots second", roc[second]!["5"]!["name"].Text());
        Assert.Equal(2, data["returned"]!.GetValue<int>());

        (await client.CallAsync("events.get_multi_task_plots", new { tasks = new[] { "0123456789abcdef0123456789abcdef" } })).Fails(400, 101);
        (await client.CallAsync("events.get_multi_task_plots", new { tasks = Array.Empty<string>() })).Fails(400, 12);
    }
}
