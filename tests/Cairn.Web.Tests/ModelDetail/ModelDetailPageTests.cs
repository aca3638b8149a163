using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

[Collection(DetailPagesCollection.Name)]
public sealed class ModelDetailPageTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task General_shows_the_model_and_edited_metadata_and_description_persist_after_reload()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("detail"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "resnet50 baseline");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");

        await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveTextAsync("resnet50 baseline");
        var fields = page.Locator("[data-testid=general-fields]");
        await Assertions.Expect(fields).ToContainTextAsync("PyTorch");
        await Assertions.Expect(page.Locator("[data-testid=model-url]")).ToContainTextAsync("https://example.com/models/resnet50%20baseline.pt");
        await Assertions.Expect(page.Locator("[data-testid=model-size]")).ToHaveTextAsync("1.5 KB");
        await Assertions.Expect(page.Locator("[data-testid=model-sha256]")).ToHaveTextAsync(new string('a', 64));

        await page.ClickAsync("[data-testid=edit-description]");
        await page.Locator("[data-testid=description-input]").FillAsync("Fine-tuned on imagenet v3.\nTop-1 76.1%.");
        await page.ClickAsync("[data-testid=save-description]");
        await Assertions.Expect(page.Locator("[data-testid=description-text]")).ToContainTextAsync("Top-1 76.1%");

        await page.ClickAsync("[data-tab=metadata]");
        await page.ClickAsync("[data-testid=edit-metadata]");
        await Assertions.Expect(page.Locator("[data-testid=metadata-key]")).ToHaveCountAsync(3);
        await page.ClickAsync("[data-testid=add-metadata]");
        await Assertions.Expect(page.Locator("[data-testid=metadata-key]")).ToHaveCountAsync(4);
        await page.Locator("[data-testid=metadata-key]").Last.FillAsync("epochs");
        await page.Locator("[data-testid=metadata-type]").Last.FillAsync("int");
        await page.Locator("[data-testid=metadata-value]").Last.FillAsync("90");
        // The dataset entry is changed in place.
        var datasetRow = page.Locator("[data-testid=metadata-value]").Nth(await IndexOfKeyAsync(page, "dataset"));
        await datasetRow.FillAsync("imagenet-v4");
        await page.ClickAsync("[data-testid=save-metadata]");
        await Assertions.Expect(page.Locator("[data-testid=metadata-table] tr[data-key=epochs]")).ToContainTextAsync("90");

        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=metadata-table] tr[data-key=epochs]")).ToContainTextAsync("int");
        await Assertions.Expect(page.Locator("[data-testid=metadata-table] tr[data-key=dataset]")).ToContainTextAsync("imagenet-v4");
        await WebFixture.ScreenshotAsync(page, "model-metadata");
        await page.ClickAsync("[data-tab=general]");
        await Assertions.Expect(page.Locator("[data-testid=description-text]")).ToContainTextAsync("Fine-tuned on imagenet v3.");
        await WebFixture.ScreenshotAsync(page, "model-general");

        // The API's own record agrees with what the page shows.
        var stored = (await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!;
        Assert.Equal("90", stored["metadata"]!["epochs"]!["value"]!.GetValue<string>());
        Assert.StartsWith("Fine-tuned", stored["comment"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Network_is_editable_while_draft_and_read_only_once_published()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("network"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "detector", design: "backbone: resnet18\nheads: 2\n");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/network");

        await Assertions.Expect(page.Locator("[data-testid=network-text]")).ToContainTextAsync("backbone: resnet18");
        await page.ClickAsync("[data-testid=edit-network]");
        await page.FillAsync("[data-testid=network-input]", "backbone: resnet34\nheads: 2\n");
        await page.ClickAsync("[data-testid=save-network]");
        await Assertions.Expect(page.Locator("[data-testid=network-text]")).ToContainTextAsync("backbone: resnet34");
        var design = (await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!["design"]!;
        Assert.Equal("backbone: resnet34\nheads: 2\n", design["design"]!.GetValue<string>());

        await page.ClickAsync("[data-testid=publish]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-status]").First).ToHaveTextAsync("Published");
        await Assertions.Expect(page.Locator("[data-testid=network-readonly]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=edit-network]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=publish]")).ToHaveCountAsync(0);
        Assert.True((await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!["ready"]!.GetValue<bool>());

        await page.ClickAsync("[data-tab=labels]");
        await Assertions.Expect(page.Locator("[data-testid=labels-table] tr[data-label=cat]")).ToContainTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=edit-labels]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-tab=network]");
        await WebFixture.ScreenshotAsync(page, "model-network-published");
    }

    [Fact]
    public async Task Leaving_the_network_or_labels_tab_with_unsaved_edits_asks_first()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("unsaved"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "half edited", design: "layers: 3\n");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/network");
        var dialog = page.Locator(".mud-dialog");

        await page.ClickAsync("[data-testid=edit-network]");
        await page.FillAsync("[data-testid=network-input]", "layers: 4\n");
        await page.ClickAsync("[data-tab=labels]");
        await Assertions.Expect(dialog).ToContainTextAsync("Unsaved changes");
        await WebFixture.ScreenshotAsync(page, "model-unsaved-changes");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Stay", Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/network$"));
        await Assertions.Expect(page.Locator("[data-testid=network-input]")).ToHaveValueAsync("layers: 4\n");

        await page.ClickAsync("[data-tab=labels]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Leave", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/labels$"));
        await Assertions.Expect(page.Locator("[data-testid=labels-table]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=edit-labels]");
        await page.Locator("[data-testid=label-name]").First.FillAsync("kitten");
        await page.ClickAsync("[data-tab=general]");
        await Assertions.Expect(dialog).ToContainTextAsync("Your unsaved labels will be lost");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Stay", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=label-name]").First).ToHaveValueAsync("kitten");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/labels$"));

        // Nothing was saved behind the user's back.
        var stored = (await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!;
        Assert.Equal("layers: 3\n", stored["design"]!["design"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_edit_the_API_refuses_shows_the_API_message_in_place()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("refused"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "short lived");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");
        await page.ClickAsync("[data-testid=edit-description]");
        await page.Locator("[data-testid=description-input]").FillAsync("too late");

        // Someone else deletes the model while the edit is open.
        (await api.CallAsync("models.delete", new JsonObject { ["model"] = model, ["force"] = true })).Ok();
        await page.ClickAsync("[data-testid=save-description]");

        var error = page.Locator("[data-testid=description] [data-testid=error-state]");
        await Assertions.Expect(error).ToContainTextAsync("The description was not saved.");
        await Assertions.Expect(error).ToContainTextAsync("(400/201)");
        await WebFixture.ScreenshotAsync(page, "model-edit-refused");
    }

    [Fact]
    public async Task Lineage_draws_the_graph_and_leads_to_the_creating_and_the_consuming_task()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("lineage"));
        using var api = web.Api();
        var trainer = await Seed.TaskAsync(api, project, "train resnet");
        var model = await Seed.ModelAsync(api, project, "resnet trained", task: trainer);
        await Seed.LinkAsync(api, trainer, model, "resnet trained", output: true);
        var evaluator = await Seed.TaskAsync(api, project, "evaluate resnet");
        await Seed.LinkAsync(api, evaluator, model, "checkpoint");
        var child = await Seed.ModelAsync(api, project, "resnet distilled", parent: model);

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/lineage");
        var graph = page.Locator("[data-testid=lineage-graph]");
        await Assertions.Expect(graph.Locator("[data-testid=lineage-creating-task]")).ToContainTextAsync("train resnet");
        await Assertions.Expect(graph.Locator($"[data-testid=lineage-consumer][data-id='{evaluator}']")).ToContainTextAsync("evaluate resnet");
        await Assertions.Expect(graph.Locator($"[data-testid=lineage-child][data-id='{child}']")).ToContainTextAsync("resnet distilled");
        await Assertions.Expect(graph.Locator("path.cairn-lineage-edge")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator($"[data-testid=used-by] tr[data-id='{evaluator}']")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "model-lineage");

        await graph.Locator("[data-testid=lineage-creating-task]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{web.WebUrl}/projects/{project}/tasks/{trainer}");
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("train resnet");
        // A task opens on its Info tab, as in ClearML; its models are under Artifacts.
        await page.Locator("[data-tab=artifacts]").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=output-models] tr[data-model-id='{model}']")).ToContainTextAsync("resnet trained");

        await page.GotoAsync($"{web.WebUrl}/projects/{project}/models/{model}/lineage");
        await WebFixture.WaitForInteractiveAsync(page);
        await page.Locator($"[data-testid=lineage-graph] [data-testid=lineage-consumer][data-id='{evaluator}']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{web.WebUrl}/projects/{project}/tasks/{evaluator}");
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("evaluate resnet");
        await page.Locator("[data-tab=artifacts]").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=input-models] tr[data-model-id='{model}']")).ToContainTextAsync("checkpoint");
    }

    [Fact]
    public async Task Scalars_chart_the_points_the_model_reported_with_their_last_min_and_max()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("scalars"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "scalar model");
        await Seed.ScalarsAsync(api, model, "loss", "train", (0, 0.9), (1, 0.5), (2, 0.25), (3, 0.3));
        await Seed.ScalarsAsync(api, model, "loss", "val", (0, 1.1), (3, 0.45));
        await Seed.ScalarsAsync(api, model, "accuracy", "top1", (3, 0.76));

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/scalars");
        var loss = page.Locator("[data-testid=scalar-chart][data-metric=loss]");
        await Assertions.Expect(loss.Locator(".main-svg").First).ToBeVisibleAsync(ChartTimeout);
        // The chart holds exactly the reported points, one line per variant.
        var traces = await loss.Locator(".js-plotly-plot").EvaluateAsync<string>(
            "el => JSON.stringify(el.data.map(t => ({ name: t.name, x: t.x, y: t.y })))");
        var parsed = JsonNode.Parse(traces)!.AsArray();
        var train = parsed.Single(t => t!["name"]!.GetValue<string>() == "train")!;
        Assert.Equal([0.0, 1, 2, 3], train["x"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal([0.9, 0.5, 0.25, 0.3], train["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Contains(parsed, t => t!["name"]!.GetValue<string>() == "val");
        await Assertions.Expect(page.Locator("[data-testid=scalar-chart][data-metric=accuracy]")).ToHaveCountAsync(1);

        var row = page.Locator("[data-testid=metric-summary] tr[data-metric=loss][data-variant=train]");
        await Assertions.Expect(row).ToContainTextAsync("0.3");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("0.25");
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("0.9");
        await WebFixture.ScreenshotAsync(page, "model-scalars");
    }

    [Fact]
    public async Task Plots_render_the_reported_plotly_figure()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("plots"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "plot model");
        var figure = new JsonObject
        {
            ["data"] = new JsonArray(new JsonObject
            {
                ["type"] = "heatmap",
                ["z"] = new JsonArray(new JsonArray(50, 2), new JsonArray(4, 44)),
                ["x"] = new JsonArray("cat", "dog"),
                ["y"] = new JsonArray("cat", "dog"),
            }),
            ["layout"] = new JsonObject { ["title"] = "Confusion matrix" },
        };
        await Seed.PlotAsync(api, model, "confusion", "validation", figure);

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/plots");
        var plot = page.Locator("[data-testid=plot-chart][data-metric=confusion]");
        await Assertions.Expect(plot.Locator(".main-svg").First).ToBeVisibleAsync(ChartTimeout);
        Assert.Equal("heatmap", await plot.Locator(".js-plotly-plot").EvaluateAsync<string>("el => el.data[0].type"));
        await Assertions.Expect(plot.Locator(".hm, image, .heatmaplayer").First).ToBeAttachedAsync();
        await WebFixture.ScreenshotAsync(page, "model-plots");
    }

    [Fact]
    public async Task A_confusion_matrix_as_the_sdk_reports_it_keeps_its_axis_titles_whole_labels_and_readable_colour_bar()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("confusion"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "matrix model");
        string[] labels = ["airplane-class-long", "automobile-class-long", "bird-class-long"];
        // The shape of the ClearML SDK's report_confusion_matrix: string titles, a tick every 0.1.
        var figure = JsonNode.Parse("""
            {
              "data": [{
                "type": "heatmap", "z": [[50, 2, 0], [4, 44, 1], [0, 3, 47]],
                "x": ["airplane-class-long", "automobile-class-long", "bird-class-long"],
                "y": ["airplane-class-long", "automobile-class-long", "bird-class-long"],
                "colorscale": [[0, "rgb(71, 17, 100)"], [0.1, "rgb(53, 92, 140)"], [1, "rgb(216, 226, 37)"]],
                "colorbar": {"tick0": 0, "dtick": 0.1}
              }],
              "layout": {"showlegend": true, "title": "Confusion matrix", "xaxis": {"title": "Predicted"}, "yaxis": {"title": "Actual", "autorange": "reversed"}}
            }
            """)!.AsObject();
        await Seed.PlotAsync(api, model, "confusion", "sdk", figure);

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/plots");
        var plot = page.Locator("[data-testid=plot-chart][data-metric=confusion]");
        await Assertions.Expect(plot.Locator(".main-svg").First).ToBeVisibleAsync(ChartTimeout);
        await Assertions.Expect(plot.Locator("text.xtitle")).ToHaveTextAsync("Predicted");
        await Assertions.Expect(plot.Locator("text.ytitle")).ToHaveTextAsync("Actual");

        // Every class name is drawn inside the chart, none cut off at its left edge.
        var chartLeft = await plot.Locator(".js-plotly-plot").EvaluateAsync<double>("el => el.getBoundingClientRect().left");
        var labelLefts = await plot.Locator(".ytick text").EvaluateAllAsync<double[]>("els => els.map(e => e.getBoundingClientRect().left)");
        Assert.Equal(labels.Length, labelLefts.Length);
        Assert.All(labelLefts, left => Assert.True(left >= chartLeft, $"a label starts at {left}, left of the chart at {chartLeft}"));
        var yLabels = await plot.Locator(".ytick text").AllTextContentsAsync();
        Assert.Equal(labels.Order(), yLabels.Order());

        // A tick every 0.1 over counts up to 50 would be 500 overlapping ticks.
        var colorBarTicks = await plot.Locator(".colorbar .cbaxis text, .colorbar .ycbaxis text, .colorbar text.ytick").CountAsync();
        Assert.InRange(colorBarTicks, 2, 20);
        await WebFixture.ScreenshotAsync(page, "model-plot-confusion");
    }

    [Fact]
    public async Task A_model_link_under_another_project_opens_under_the_models_own_project()
    {
        var homeName = Seed.Unique("home");
        var home = await web.CreateProjectAsync(homeName);
        var otherName = Seed.Unique("other");
        var other = await web.CreateProjectAsync(otherName);
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, home, "homed model");

        var page = await web.SignedInPageAsync("/projects");
        await page.GotoAsync($"/projects/{other}/models/{model}/labels");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/projects/{home}/models/{model}/labels$"));
        var breadcrumbs = page.Locator(".cairn-breadcrumbs");
        await Assertions.Expect(breadcrumbs).ToContainTextAsync(homeName);
        await Assertions.Expect(breadcrumbs).Not.ToContainTextAsync(otherName);
        await Assertions.Expect(page.Locator("[data-testid=tab-labels]")).ToBeVisibleAsync();

        // ClearML's full-screen route opens the same tab.
        await page.GotoAsync($"/projects/{home}/models/{model}/output/network");
        await Assertions.Expect(page.Locator("[data-testid=tab-network]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveTextAsync("homed model");
    }

    [Fact]
    public async Task A_missing_model_or_project_shows_the_not_found_page()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("missing"));
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "exists");

        var page = await web.SignedInPageAsync($"/projects/{project}/models/{new string('0', 32)}/general");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByText("There is nothing at this address")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "model-not-found");

        await page.GotoAsync($"/projects/{new string('f', 32)}/models/{model}/general");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveCountAsync(0);
    }

    /// <summary>plotly.js is a few megabytes; its first load on a busy machine takes longer than the default wait.</summary>
    internal static readonly LocatorAssertionsToBeVisibleOptions ChartTimeout = new() { Timeout = 30_000 };

    private static async Task<int> IndexOfKeyAsync(IPage page, string key)
    {
        var keys = await page.Locator("[data-testid=metadata-key]").EvaluateAllAsync<string[]>("els => els.map(e => e.value)");
        return Array.IndexOf(keys, key);
    }
}
