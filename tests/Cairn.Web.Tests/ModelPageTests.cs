using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ModelPageTests(WebFixture web) : IClassFixture<WebFixture>
{
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
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/models/{model}$"));
        var general = page.Locator("[data-testid=general-fields]");
        await Assertions.Expect(general).ToContainTextAsync("PyTorch");
        await Assertions.Expect(page.Locator("[data-testid=model-url]")).ToContainTextAsync("https://example.com/weights/model.pt");
        await Assertions.Expect(page.Locator("[data-testid=description-text]")).ToContainTextAsync("first version");
        await WebFixture.ScreenshotAsync(page, "model-general");

        await page.ClickAsync("[data-tab=labels]");
        await Assertions.Expect(page.Locator("[data-testid=labels-table]")).ToContainTextAsync("dog");
        await WebFixture.ScreenshotAsync(page, "model-labels");
    }
}
