using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

[Collection(DetailPagesCollection.Name)]
public sealed class ModelMenuTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task The_menu_tags_archives_restores_and_moves_the_model()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("menu"));
        var targetName = Seed.Unique("menu target");
        var target = await web.CreateProjectAsync(targetName);
        using var api = web.Api();
        var model = await Seed.ModelAsync(api, project, "menu model");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/{model}/general");

        await page.ClickAsync("[data-testid=add-tag]");
        await page.FillAsync("[data-testid=tag-input]", "candidate");
        await page.PressAsync("[data-testid=tag-input]", "Enter");
        await Assertions.Expect(page.Locator("[data-testid=model-tags] [data-tag=candidate]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=model-menu] button");
        await page.ClickAsync("[data-testid=menu-archive]");
        await Assertions.Expect(page.Locator("[data-testid=archived-badge]")).ToBeVisibleAsync();
        var stored = (await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!;
        Assert.Contains("archived", stored["system_tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["candidate"], stored["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        await WebFixture.ScreenshotAsync(page, "model-archived");

        await page.ClickAsync("[data-testid=model-menu] button");
        await page.ClickAsync("[data-testid=menu-restore]");
        await Assertions.Expect(page.Locator("[data-testid=archived-badge]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-testid=model-menu] button");
        await page.ClickAsync("[data-testid=menu-move]");
        await page.ClickAsync("[data-testid=move-target]");
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = targetName }).ClickAsync();
        await page.ClickAsync("[data-testid=move-confirm]");
        await Assertions.Expect(page).ToHaveURLAsync($"{web.WebUrl}/projects/{target}/models/{model}/general");
        await Assertions.Expect(page.Locator("[data-testid=general-fields]")).ToContainTextAsync(targetName);
        stored = (await api.CallAsync("models.get_by_id", new JsonObject { ["model"] = model })).Ok()["model"]!;
        Assert.Equal(target, stored["project"]!.GetValue<string>());
    }
}
