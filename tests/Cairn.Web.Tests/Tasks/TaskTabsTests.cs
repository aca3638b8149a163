using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Testing;
using Cairn.Web.Components.Pages.Tasks;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Tasks;

/// <summary>The task page's INFO, CONFIGURATION, SCALARS, PLOTS and CONSOLE tabs, over data created through the API.</summary>
[Collection(DetailPagesCollection.Name)]
public sealed class TaskTabsTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task The_console_shows_the_latest_lines_in_order_and_loads_earlier_ones_a_page_at_a_time()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("console"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "long log");
        // 250 lines, one millisecond apart: the console reads the last 100, then 100 more per click.
        await LogAsync(api, task, Enumerable.Range(1, 250).Select(i => $"step {i:D3} loss={1.0 / i:F4}"));

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/console");
        var lines = page.Locator("[data-testid=log-line]");
        await Assertions.Expect(lines).ToHaveCountAsync(100);
        await Assertions.Expect(lines.First).ToContainTextAsync("step 151 ");
        await Assertions.Expect(lines.Last).ToContainTextAsync("step 250 ");
        await Assertions.Expect(page.Locator("[data-testid=log-count]")).ToHaveTextAsync("100 of 250 lines");
        Assert.Equal(
            Enumerable.Range(151, 100).Select(i => $"step {i:D3}"),
            (await page.Locator("[data-testid=log-line] .cairn-log-msg").AllTextContentsAsync()).Select(t => t[..8]));

        var earlier = page.Locator("[data-testid=log-load-earlier]");
        await earlier.ClickAsync();
        await Assertions.Expect(lines).ToHaveCountAsync(200);
        await Assertions.Expect(lines.First).ToContainTextAsync("step 051 ");
        await earlier.ClickAsync();
        await Assertions.Expect(lines).ToHaveCountAsync(250);
        await Assertions.Expect(lines.First).ToContainTextAsync("step 001 ");
        await Assertions.Expect(lines.Last).ToContainTextAsync("step 250 ");
        await Assertions.Expect(earlier).ToHaveCountAsync(0);
        Assert.Equal(
            Enumerable.Range(1, 250).Select(i => $"step {i:D3}"),
            (await page.Locator("[data-testid=log-line] .cairn-log-msg").AllTextContentsAsync()).Select(t => t[..8]));

        // The search keeps the matching lines of what is loaded.
        await page.Locator("[data-testid=log-search] input, input[data-testid=log-search]").First.FillAsync("step 12");
        await Assertions.Expect(lines).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("[data-testid=log-count]")).ToContainTextAsync("10 matching");
        await WebFixture.ScreenshotAsync(page, "task-console");
    }

    [Fact]
    public async Task The_results_link_Task_init_prints_opens_the_console_and_an_empty_log_says_so()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("results link"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "printed");
        await LogAsync(api, task, ["ClearML results page: here", "epoch 1 done"]);
        var quiet = await Seed.TaskAsync(api, project, "quiet");

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/output/log");
        await Assertions.Expect(page.Locator("[data-tab=console]")).ToHaveClassAsync("active");
        await Assertions.Expect(page.Locator("[data-testid=log-line]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=log-line]").Last).ToContainTextAsync("epoch 1 done");
        await Assertions.Expect(page.Locator("[data-testid=log-load-earlier]")).ToHaveCountAsync(0);

        await page.GotoAsync($"/projects/{project}/experiments/{quiet}/output/log");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks/{quiet}/output/log$"));
        await Assertions.Expect(page.Locator("[data-testid=tab-console] [data-testid=empty-state]")).ToContainTextAsync("No console output");
    }

    [Fact]
    public async Task The_configuration_tab_shows_hyperparameters_by_section_and_configuration_objects()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("configuration"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "connected");
        (await api.CallAsync("tasks.edit_hyper_params", new JsonObject
        {
            ["task"] = task,
            ["hyperparams"] = new JsonArray(
                Param("General", "lr", "0.001", "float", "learning rate"),
                Param("General", "batch_size", "64", "int"),
                Param("Args", "epochs", "10", "int")),
        })).Ok();
        (await api.CallAsync("tasks.edit_configuration", new JsonObject
        {
            ["task"] = task,
            ["configuration"] = new JsonArray(new JsonObject
            {
                ["name"] = "model config",
                ["type"] = "yaml",
                ["value"] = "layers: 12\nheads: 8\n",
                ["description"] = "the network",
            }),
        })).Ok();
        var empty = await Seed.TaskAsync(api, project, "nothing connected");

        // ClearML's hyper-params route lands on the tab.
        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/hyper-params/hyper-param/General");
        await Assertions.Expect(page.Locator("[data-tab=configuration]")).ToHaveClassAsync("active");
        var sections = page.Locator("[data-testid=hyperparameter-section]");
        await Assertions.Expect(sections).ToHaveCountAsync(2);
        Assert.Equal(["Args", "General"], await sections.EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.section)"));
        var general = page.Locator("[data-testid=hyperparameter-section][data-section=General]");
        Assert.Equal(["batch_size", "lr"], await general.Locator("[data-testid=hyperparameter]").EvaluateAllAsync<string[]>("r => r.map(e => e.dataset.name)"));
        var lr = general.Locator("[data-testid=hyperparameter][data-name=lr]");
        await Assertions.Expect(lr).ToContainTextAsync("0.001");
        await Assertions.Expect(lr).ToContainTextAsync("float");
        await Assertions.Expect(lr).ToContainTextAsync("learning rate");
        await Assertions.Expect(page.Locator("[data-section=Args] [data-name=epochs]")).ToContainTextAsync("10");
        var config = page.Locator("[data-testid=configuration-object][data-name='model config']");
        await Assertions.Expect(config).ToContainTextAsync("yaml");
        await Assertions.Expect(config.Locator("pre")).ToHaveTextAsync("layers: 12\nheads: 8\n");
        await WebFixture.ScreenshotAsync(page, "task-configuration");

        await page.GotoAsync($"/projects/{project}/tasks/{empty}/configuration");
        await Assertions.Expect(page.Locator("[data-testid=tab-configuration] [data-testid=empty-state]")).ToContainTextAsync("No configuration");
    }

    [Fact]
    public async Task The_info_tab_shows_the_source_code_requirements_and_parent()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("info"));
        using var api = web.Api();
        var parent = await Seed.TaskAsync(api, project, "base run");
        var task = await Seed.TaskAsync(api, project, "child run");
        (await api.CallAsync("tasks.edit", new JsonObject
        {
            ["task"] = task,
            ["parent"] = parent,
            ["script"] = new JsonObject
            {
                ["repository"] = "https://github.com/example/train.git",
                ["branch"] = "main",
                ["version_num"] = "0123abcd",
                ["entry_point"] = "train.py",
                ["working_dir"] = ".",
                ["diff"] = "+print('hello')",
                ["requirements"] = new JsonObject { ["pip"] = "torch==2.3.0\nnumpy" },
            },
        })).Ok();

        // ClearML's execution route, and the page's default, open INFO.
        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/execution");
        await Assertions.Expect(page.Locator("[data-tab=info]")).ToHaveClassAsync("active");
        var execution = page.Locator("[data-testid=task-execution]");
        await Assertions.Expect(execution).ToContainTextAsync("https://github.com/example/train.git");
        await Assertions.Expect(execution).ToContainTextAsync("0123abcd");
        await Assertions.Expect(execution).ToContainTextAsync("train.py");
        await Assertions.Expect(page.Locator("[data-testid=task-diff]")).ToHaveTextAsync("+print('hello')");
        await Assertions.Expect(page.Locator("[data-testid=task-requirements]")).ToContainTextAsync("torch==2.3.0");
        await Assertions.Expect(page.Locator("[data-testid=parent-task]")).ToHaveTextAsync("base run");
        await WebFixture.ScreenshotAsync(page, "task-info");

        await page.Locator("[data-testid=parent-task]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("base run");
        await Assertions.Expect(page.Locator("[data-testid=task-execution]")).ToContainTextAsync("No source code recorded");
    }

    [Fact]
    public async Task The_scalars_and_plots_tabs_chart_the_tasks_events()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("task charts"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "charted");
        await TaskScalarsAsync(api, task, "loss", "train", (0, 1.0), (1, 0.6), (2, 0.4));
        await TaskScalarsAsync(api, task, "loss", "validation", (0, 1.1), (2, 0.5));
        await TaskScalarsAsync(api, task, "accuracy", "validation", (0, 0.5), (2, 0.8));
        (await api.CallAsync("events.add", new JsonObject
        {
            ["type"] = "plot",
            ["task"] = task,
            ["metric"] = "confusion",
            ["variant"] = "validation",
            ["iter"] = 2,
            ["plot_str"] = """{"data":[{"type":"heatmap","z":[[5,1],[2,7]]}],"layout":{"title":"Confusion matrix"}}""",
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        })).Ok();
        var empty = await Seed.TaskAsync(api, project, "uncharted");

        // ClearML's scalars route lands on the tab.
        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/info-output/metrics/scalar");
        await Assertions.Expect(page.Locator("[data-tab=scalars]")).ToHaveClassAsync("active");
        var loss = page.Locator("[data-testid=scalar-chart][data-metric=loss]");
        await Assertions.Expect(loss.Locator(".main-svg").First).ToBeVisibleAsync(ModelDetailPageTests.ChartTimeout);
        // One line per variant, holding exactly the reported points.
        var traces = JsonNode.Parse(await loss.Locator(".js-plotly-plot").EvaluateAsync<string>(
            "el => JSON.stringify(el.data.map(t => ({ name: t.name, x: t.x, y: t.y })))"))!.AsArray();
        Assert.Equal(["train", "validation"], traces.Select(t => t!["name"]!.GetValue<string>()).Order());
        var train = traces.Single(t => t!["name"]!.GetValue<string>() == "train")!;
        Assert.Equal([0.0, 1, 2], train["x"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal([1.0, 0.6, 0.4], train["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        await Assertions.Expect(page.Locator("[data-testid=scalar-chart][data-metric=accuracy] .main-svg").First).ToBeVisibleAsync(ModelDetailPageTests.ChartTimeout);
        await WebFixture.ScreenshotAsync(page, "task-scalars");

        await page.Locator("[data-tab=plots]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/tasks/{task}/plots$"));
        var plot = page.Locator("[data-testid=plot-chart][data-metric=confusion]");
        await Assertions.Expect(plot.Locator(".main-svg").First).ToBeVisibleAsync(ModelDetailPageTests.ChartTimeout);
        Assert.Equal("heatmap", await plot.Locator(".js-plotly-plot").EvaluateAsync<string>("el => el.data[0].type"));

        await page.GotoAsync($"/projects/{project}/tasks/{empty}/scalars");
        await Assertions.Expect(page.Locator("[data-testid=tab-scalars] [data-testid=empty-state]")).ToContainTextAsync("No scalars reported");
        await page.GotoAsync($"/projects/{project}/tasks/{empty}/output/metrics/plots");
        await Assertions.Expect(page.Locator("[data-testid=tab-plots] [data-testid=empty-state]")).ToContainTextAsync("No plots reported");
    }

    [Theory]
    [InlineData(null, "info")]
    [InlineData("execution", "info")]
    [InlineData("info-output/metrics/scalar", "scalars")]
    [InlineData("output/metrics/plots", "plots")]
    [InlineData("info-output/metrics/plots", "plots")]
    [InlineData("output/log", "console")]
    [InlineData("hyper-params/hyper-param/Args", "configuration")]
    [InlineData("configuration", "configuration")]
    [InlineData("artifacts/other/key/output", "artifacts")]
    [InlineData("output/artifacts/output-model/abc", "artifacts")]
    public void ClearMLs_task_routes_open_the_matching_tab(string? rest, string tab) =>
        Assert.Equal(tab, TaskPage.TabOf(rest));

    private static JsonObject Param(string section, string name, string value, string type, string? description = null) => new()
    {
        ["section"] = section,
        ["name"] = name,
        ["value"] = value,
        ["type"] = type,
        ["description"] = description,
    };

    /// <summary>Console lines in one <c>events.add_batch</c>, a millisecond apart, as the SDK's log reporter sends them.</summary>
    private static async Task LogAsync(ApiClient api, string task, IEnumerable<string> messages)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000;
        var lines = messages.Select((message, i) => new JsonObject
        {
            ["type"] = "log",
            ["task"] = task,
            ["level"] = "info",
            ["worker"] = "test-worker",
            ["msg"] = message,
            ["timestamp"] = start + i,
        }.ToJsonString());
        (await api.SendAsync("events.add_batch", string.Join("\n", lines), "application/json-lines", HttpMethod.Post)).Ok();
    }

    private static async Task TaskScalarsAsync(ApiClient api, string task, string metric, string variant, params (long Iteration, double Value)[] points)
    {
        foreach (var (iteration, value) in points)
        {
            (await api.CallAsync("events.add", new JsonObject
            {
                ["type"] = "training_stats_scalar",
                ["task"] = task,
                ["metric"] = metric,
                ["variant"] = variant,
                ["iter"] = iteration,
                ["value"] = value,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            })).Ok();
        }
    }
}
