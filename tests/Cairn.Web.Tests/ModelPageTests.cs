using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ModelPageTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input, textarea[data-testid={testId}], [data-testid={testId}] textarea";

    private async Task<(string Project, string Model)> SeedAsync(string name)
    {
        var project = await web.CreateProjectAsync($"detail-{name}");
        using var api = web.Api();
        var model = (await api.CallAsync("models.create", new JsonObject
        {
            ["name"] = name,
            ["project"] = project,
            ["uri"] = "https://example.com/weights/model.pt",
            ["framework"] = "PyTorch",
            ["ready"] = false,
            ["comment"] = "first version",
            ["design"] = new JsonObject { ["design"] = "layers: 3\nactivation: relu" },
            ["labels"] = new JsonObject { ["cat"] = 0, ["dog"] = 1 },
        })).Ok()["id"]!.GetValue<string>();
        return (project, model);
    }

    [Fact]
    public async Task A_model_opens_from_the_table_on_its_general_tab()
    {
        var (project, model) = await SeedAsync("opened");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await page.Locator("[data-testid=model-row][data-model-name=opened] [data-testid=model-name]").ClickAsync();
        await page.WaitForURLAsync($"**/projects/{project}/models/{model}");
        var general = page.Locator("[data-testid=general]");
        await Assertions.Expect(general).ToContainTextAsync("PyTorch");
        await Assertions.Expect(page.Locator("[data-testid=model-url]")).ToHaveTextAsync("https://example.com/weights/model.pt");
        await Assertions.Expect(page.Locator("[data-testid=description]")).ToHaveTextAsync("first version");
        await WebFixture.ScreenshotAsync(page, "model-general");

        await page.ClickAsync("[data-testid=tab-labels]");
        await Assertions.Expect(page.Locator("[data-testid=labels]")).ToContainTextAsync("dog");
        await WebFixture.ScreenshotAsync(page, "model-labels");
    }

    [Fact]
    public async Task Edited_metadata_and_description_persist_after_a_reload()
    {
        var (project, model) = await SeedAsync("edited");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");
        await page.ClickAsync("[data-testid=edit-description]");
        await page.Locator(Input("description-input")).First.FillAsync("second version, retrained");
        await page.ClickAsync("[data-testid=save-description]");
        await Assertions.Expect(page.Locator("[data-testid=description]")).ToHaveTextAsync("second version, retrained");

        await page.ClickAsync("[data-testid=tab-metadata]");
        await page.ClickAsync("[data-testid=edit-metadata]");
        await page.ClickAsync("[data-testid=add-metadata]");
        await page.Locator(Input("metadata-key")).Last.FillAsync("dataset");
        await page.Locator(Input("metadata-value")).Last.FillAsync("imagenet-v3");
        await page.ClickAsync("[data-testid=save-metadata]");
        await Assertions.Expect(page.Locator("[data-testid=metadata-row][data-key=dataset]")).ToContainTextAsync("imagenet-v3");
        await WebFixture.ScreenshotAsync(page, "model-metadata");

        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=metadata-row][data-key=dataset]")).ToContainTextAsync("imagenet-v3");
        await page.ClickAsync("[data-testid=tab-general]");
        await Assertions.Expect(page.Locator("[data-testid=description]")).ToHaveTextAsync("second version, retrained");
    }

    [Fact]
    public async Task Network_is_editable_while_draft_and_read_only_once_published()
    {
        var (project, model) = await SeedAsync("network");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/network");
        await Assertions.Expect(page.Locator("[data-testid=network]")).ToContainTextAsync("activation: relu");
        await page.ClickAsync("[data-testid=edit-network]");
        await page.Locator(Input("network-input")).First.FillAsync("layers: 4\nactivation: gelu");
        await page.ClickAsync("[data-testid=save-network]");
        await Assertions.Expect(page.Locator("[data-testid=network]")).ToContainTextAsync("activation: gelu");
        using (var api = web.Api())
        {
            var stored = (await api.CallAsync("models.get_by_id", new { model })).Ok()["model"]!["design"]!["design"]!.GetValue<string>();
            Assert.Equal("layers: 4\nactivation: gelu", stored);
        }

        await page.ClickAsync("[data-testid=publish]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-status]")).ToHaveTextAsync("Published");
        await Assertions.Expect(page.Locator("[data-testid=network-readonly]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=edit-network]")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "model-network-published");
    }

    [Fact]
    public async Task A_missing_model_shows_not_found()
    {
        var page = await web.SignedInPageAsync("/projects/*/models/0123456789abcdef0123456789abcdef/general");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
    }
}
