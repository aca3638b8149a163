using System.Text.Json.Nodes;
using Cairn.Reporting;
using Cairn.Session;
using Cairn.Testing;
using Cairn.Tests.Session;
using Xunit;

namespace Cairn.Tests.Reporting;

public sealed class ModelReportingTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private ClearMLSession _session = null!;

    private TestServer Server => fixture.Server;

    public Task InitializeAsync()
    {
        _session = new ClearMLSession(ClearMLSessionTests.SettingsFor(Server));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private async Task<Model> NewModelAsync()
    {
        var id = (await _session.CallAsync("models.create", new { name = "reported " + Guid.NewGuid().ToString("N")[..6], uri = "file:///tmp/m.bin", ready = false }))["id"]!.GetValue<string>();
        return new Model(_session, id);
    }

    private async Task<Dictionary<string, JsonObject>> PlotsAsync(Model model)
    {
        var plots = (await _session.CallAsync("events.get_task_plots", new { task = model.Id, model_events = true, iters = 5 }))["plots"]!.AsArray();
        return plots.OfType<JsonObject>().ToDictionary(
            p => $"{p["metric"]!.GetValue<string>()}/{p["variant"]!.GetValue<string>()}",
            p => JsonNode.Parse(p["plot_str"]!.GetValue<string>())!.AsObject());
    }

    [Fact]
    public async Task Scalars_and_single_values_are_stored_as_the_models_events()
    {
        var model = await NewModelAsync();
        model.ReportScalar("loss", "train", 0.9, 1);
        model.ReportScalar("loss", "train", 0.5, 2);
        model.ReportScalar("loss", "train", 0.25, 3);
        model.ReportSingleValue("accuracy", 0.97);
        await model.FlushReportsAsync(CancellationToken.None);

        var histogram = await _session.CallAsync("events.scalar_metrics_iter_histogram", new { task = model.Id, model_events = true });
        var series = histogram["loss"]!["train"]!;
        Assert.Equal("[1,2,3]", series["x"]!.ToJsonString());
        Assert.Equal("[0.9,0.5,0.25]", series["y"]!.ToJsonString());
        var single = await _session.CallAsync("events.get_task_single_value_metrics", new { tasks = new[] { model.Id }, model_events = true });
        var value = single["tasks"]![0]!["values"]!.AsArray().Single()!;
        Assert.Equal(("Summary", "accuracy", 0.97), (value["metric"]!.GetValue<string>(), value["variant"]!.GetValue<string>(), value["value"]!.GetValue<double>()));
    }

    [Fact]
    public async Task Plots_are_stored_in_the_plotly_shapes_clearml_produces()
    {
        var model = await NewModelAsync();
        model.ReportHistogram("dist", "weights", [1.0, 2.0, 3.0], iteration: 1, xaxis: "bucket", yaxis: "count");
        model.ReportVector("vec", "v", [4.0, 5.0], xlabels: ["a", "b"]);
        model.ReportConfusionMatrix("confusion", "val", [[5.0, 1.0], [2.0, 7.0]], xlabels: ["cat", "dog"], ylabels: ["cat", "dog"], yaxisReversed: true);
        model.ReportTable("table", "summary", [["name", "score"], ["a", 0.5], ["b", double.NaN]]);
        model.ReportLinePlot("curves", [new SeriesInfo("precision", [(0.0, 1.0), (1.0, 0.5)]), new SeriesInfo("recall", [(0.0, 0.2), (1.0, 0.9)])], "x", "y", comment: "per class");
        model.ReportScatter2D("scatter", "points", [(1.0, 2.0), (3.0, 4.0)], labels: ["p", "q"], mode: "markers");
        model.ReportScatter3D("cloud", "pts", [(1.0, 2.0, 3.0)], zaxis: "depth");
        model.ReportSurface("surface", "s", [[1.0, 2.0], [3.0, 4.0]], xlabels: ["a", "b"], camera: (1, 1, 1));
        await model.FlushReportsAsync(CancellationToken.None);

        var plots = await PlotsAsync(model);
        Assert.Equal(["cloud/pts", "confusion/val", "curves/", "dist/weights", "scatter/points", "surface/s", "table/summary", "vec/v"], plots.Keys.Order(StringComparer.Ordinal));

        var histogram = plots["dist/weights"];
        Assert.Equal("""{"name":"weights","y":[1,2,3],"x":[0,1,2],"type":"bar"}""", histogram["data"]![0]!.ToJsonString());
        Assert.Equal("""{"title":"dist","xaxis":{"title":"bucket"},"yaxis":{"title":"count"},"barmode":"group","bargap":0.08,"bargroupgap":0}""", histogram["layout"]!.ToJsonString());
        Assert.Equal("""["a","b"]""", plots["vec/v"]["data"]![0]!["x"]!.ToJsonString());

        var heatmap = plots["confusion/val"]["data"]![0]!;
        Assert.Equal("heatmap", heatmap["type"]!.GetValue<string>());
        Assert.Equal("[[5,1],[2,7]]", heatmap["z"]!.ToJsonString());
        Assert.Equal("rgb(71, 17, 100)", heatmap["colorscale"]![0]![1]!.GetValue<string>());
        Assert.Equal("reversed", plots["confusion/val"]["layout"]!["yaxis"]!["autorange"]!.GetValue<string>());
        Assert.Equal("val", plots["confusion/val"]["layout"]!["name"]!.GetValue<string>());

        var table = plots["table/summary"];
        Assert.Equal("""["name","score"]""", table["data"]![0]!["header"]!["values"]!.ToJsonString());
        Assert.Equal("""[["a","b"],[0.5,"nan"]]""", table["data"]![0]!["cells"]!["values"]!.ToJsonString());
        Assert.Equal("table", table["layout"]!["title.text"]!.GetValue<string>());

        var curves = plots["curves/"];
        Assert.Equal("curves<br><sup>per class</sup>", curves["layout"]!["title"]!.GetValue<string>());
        Assert.Equal("toaxis+across", curves["layout"]!["xaxis"]!["spikemode"]!.GetValue<string>());
        Assert.Equal(["precision", "recall"], curves["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        var scatter = plots["scatter/points"]["data"]![0]!;
        Assert.Equal(("markers", "scatter", """["p","q"]"""), (scatter["mode"]!.GetValue<string>(), scatter["type"]!.GetValue<string>(), scatter["text"]!.ToJsonString()));

        var cloud = plots["cloud/pts"];
        Assert.Equal("scatter3d", cloud["data"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("depth", cloud["layout"]!["scene"]!["zaxis"]!["title"]!.GetValue<string>());
        var surface = plots["surface/s"];
        Assert.Equal("surface/s", surface["layout"]!["title"]!.GetValue<string>());
        Assert.Equal("[0,1]", surface["layout"]!["scene"]!["xaxis"]!["tickvals"]!.ToJsonString());
        Assert.Equal("""{"eye":{"x":1,"y":1,"z":1}}""", surface["layout"]!["scene"]!["camera"]!.ToJsonString());
    }

    [Fact]
    public async Task Reports_go_out_in_the_background_without_a_flush()
    {
        var model = await NewModelAsync();
        for (var i = 0; i < EventBatcher.FlushThreshold; i++)
        {
            model.ReportScalar("background", "s", i, i);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var histogram = await _session.CallAsync("events.scalar_metrics_iter_histogram", new { task = model.Id, model_events = true });
            if (histogram["background"]?["s"]?["x"] is JsonArray { Count: EventBatcher.FlushThreshold })
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the reports were not sent in the background");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Reports_the_server_refuses_surface_from_the_flush()
    {
        var model = new Model(_session, Guid.NewGuid().ToString("N"));
        model.ReportScalar("loss", "train", 1, 1);
        var e = await Assert.ThrowsAsync<ClearMLRequestException>(() => model.FlushReportsAsync(CancellationToken.None));
        Assert.Equal("events.add_batch", e.Endpoint);
        await model.FlushReportsAsync(CancellationToken.None); // reported once, then cleared
    }

    [Fact]
    public async Task Bad_arguments_fail_at_once_naming_the_argument()
    {
        var model = await NewModelAsync();
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => model.ReportHistogram("t", "s", [[1.0], [2.0]], labels: ["only one"])).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentException>(() => model.ReportHistogram("t", "s", [1.0], mode: "sideways")).ParamName);
        Assert.Throws<ArgumentException>(() => model.ReportTable("t", "s"));
        Assert.Throws<ArgumentException>(() => model.ReportScatter2D("t", "s", [(1.0, 1.0)], labels: ["a", "b"]));
        Assert.Throws<InvalidOperationException>(() => new Model(_session, "").ReportScalar("a", "b", 1, 1));
        await model.FlushReportsAsync(CancellationToken.None);
        Assert.Empty(await PlotsAsync(model));
    }
}
