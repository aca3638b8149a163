using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Testing;
using Cairn.Web.Api;
using Cairn.Web.Components.Pages.Tasks;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Tasks;

/// <summary>The task page's DEBUG SAMPLES tab, over images stored on the file server and events reported through the API.</summary>
public sealed class DebugImagesTests(WebFixture web) : IClassFixture<WebFixture>
{
    // A 2×2 PNG: small enough to inline, real enough for the browser to decode.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEUlEQVR4nGP4z8DwH4QZYAwAR8oH+WdZbrcAAAAASUVORK5CYII=");

    private async Task<string> StoreImageAsync(ApiClient api, string project, string name)
    {
        var path = $"{project}/{Guid.NewGuid():N}/{name}";
        var token = await api.LoginAsync();
        using (var files = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web.Server.FilesPort}/") })
        {
            files.DefaultRequestHeaders.Authorization = ApiClient.Bearer(token);
            using var form = new MultipartFormDataContent { { new ByteArrayContent(Png), "/" + path, name } };
            using var response = await files.PostAsync("", form);
            response.EnsureSuccessStatusCode();
        }
        return $"{web.Server.Service<CairnWebOptions>().FilesUrl}/{path}";
    }

    private static async Task ReportImageAsync(ApiClient api, string task, string metric, string variant, long iteration, string url)
    {
        (await api.CallAsync("events.add", new JsonObject
        {
            ["type"] = "training_debug_image",
            ["task"] = task,
            ["metric"] = metric,
            ["variant"] = variant,
            ["iter"] = iteration,
            ["url"] = url,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        })).Ok();
    }

    [Fact]
    public async Task Debug_samples_show_by_metric_and_iteration_from_the_file_server_and_enlarge_on_click()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("debug images"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "image reporter");
        var cat = await StoreImageAsync(api, project, "cat.png");
        var dog = await StoreImageAsync(api, project, "dog.png");
        await ReportImageAsync(api, task, "predictions", "cat", 1, cat);
        await ReportImageAsync(api, task, "predictions", "cat", 2, cat);
        await ReportImageAsync(api, task, "predictions", "dog", 2, dog);
        await ReportImageAsync(api, task, "inputs", "elsewhere", 2, "s3://bucket/inputs/sample.png");

        // ClearML's own route for the tab.
        var page = await web.SignedInPageAsync();
        await page.GotoAsync($"/projects/{project}/experiments/{task}/info-output/debugImages");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks/{task}/info-output/debugImages$"));
        await Assertions.Expect(page.Locator("[data-tab=debug-images]")).ToHaveClassAsync("active");

        var metrics = page.Locator("[data-testid=debug-metric]");
        await Assertions.Expect(metrics).ToHaveCountAsync(2);
        Assert.Equal(["inputs", "predictions"], await metrics.EvaluateAllAsync<string[]>("m => m.map(e => e.dataset.metric)"));
        var predictions = page.Locator("[data-testid=debug-metric][data-metric=predictions]");
        Assert.Equal(["2", "1"], await predictions.Locator("[data-testid=debug-iteration]").EvaluateAllAsync<string[]>("i => i.map(e => e.dataset.iteration)"));
        var latest = predictions.Locator("[data-testid=debug-iteration][data-iteration='2'] [data-testid=debug-image]");
        await Assertions.Expect(latest).ToHaveCountAsync(2);
        await Assertions.Expect(latest.Nth(0)).ToContainTextAsync("cat");
        await Assertions.Expect(latest.Nth(1)).ToContainTextAsync("dog");

        // The browser decoded the stored bytes: the image came through the UI's download route.
        var image = latest.Nth(1).Locator("img");
        await Assertions.Expect(image).ToHaveAttributeAsync("src", new Regex("^download\\?uri="));
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth === 2", await image.ElementHandleAsync());

        // An address the browser cannot read is named, not shown broken.
        await Assertions.Expect(page.Locator("[data-testid=debug-metric][data-metric=inputs] .cairn-debug-missing")).ToHaveTextAsync("s3://bucket/inputs/sample.png");

        await image.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=debug-lightbox]")).ToContainTextAsync("predictions / dog · iteration 2");
        await WebFixture.ScreenshotAsync(page, "task-debug-images");
        await page.Locator("[data-testid=debug-lightbox]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=debug-lightbox]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Earlier_iterations_load_a_page_at_a_time_and_a_task_without_images_says_so()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("debug pages"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "many iterations");
        var url = await StoreImageAsync(api, project, "sample.png");
        var iterations = DebugImagesApi.IterationsPerPage + 2;
        for (var i = 1; i <= iterations; i++)
        {
            await ReportImageAsync(api, task, "samples", "x", i, url);
        }
        var quiet = await Seed.TaskAsync(api, project, "no images");

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/debug-images");
        var shown = page.Locator("[data-testid=debug-iteration]");
        await Assertions.Expect(shown).ToHaveCountAsync(DebugImagesApi.IterationsPerPage);
        await Assertions.Expect(shown.First).ToHaveAttributeAsync("data-iteration", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("[data-testid=debug-load-earlier]");
        await Assertions.Expect(shown).ToHaveCountAsync(iterations);
        await Assertions.Expect(shown.Last).ToHaveAttributeAsync("data-iteration", "1");
        await Assertions.Expect(page.Locator("[data-testid=debug-load-earlier]")).ToHaveCountAsync(0);

        await page.GotoAsync($"/projects/{project}/tasks/{quiet}/debug-images");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=tab-debug-images] [data-testid=empty-state]")).ToContainTextAsync("No debug samples");
    }

    [Theory]
    [InlineData("info-output/debugImages", "debug-images")]
    [InlineData("output/debugImages", "debug-images")]
    [InlineData("debug-images", "debug-images")]
    [InlineData("info-output/metrics/debugImages", "debug-images")]
    public void ClearMLs_debug_image_routes_open_the_debug_samples_tab(string rest, string tab) =>
        Assert.Equal(tab, TaskPage.TabOf(rest));
}
