using System.Text.Json.Nodes;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

/// <summary>
/// The model table's menus list what the whole project holds (from the API's project helpers),
/// not only what the loaded rows happen to show.
/// </summary>
public sealed class ModelTableMenusTests(WebFixture web) : IClassFixture<WebFixture>
{
    /// <summary>A project whose oldest model, beyond the first page, alone has a tag, a metadata key and a metric.</summary>
    private async Task<string> SeedAsync()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("menus"));
        using var api = web.Api();
        var rare = await web.CreateModelAsync("rare model", project, ["rare-tag"], "XGBoost");
        (await api.CallAsync("models.add_or_update_metadata", new JsonObject
        {
            ["model"] = rare,
            ["metadata"] = new JsonArray(new JsonObject { ["key"] = "rare-key", ["type"] = "str", ["value"] = "x" }),
        })).Ok();
        await Seed.ScalarsAsync(api, rare, "rare-metric", "val", (1, 0.5));
        for (var i = 0; i < 31; i++)
        {
            await web.CreateModelAsync($"common {i:00}", project, ["common"]);
        }
        return project;
    }

    [Fact]
    public async Task Filter_and_column_menus_offer_what_models_beyond_the_loaded_rows_have()
    {
        var project = await SeedAsync();
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(30);
        await Assertions.Expect(page.Locator("[data-testid=model-row][data-model-name='rare model']")).ToHaveCountAsync(0);

        await page.Locator("[data-testid=filter-tags]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=tag-option][data-tag=rare-tag]")).ToHaveCountAsync(1);
        await WebFixture.ClosePopoverAsync(page);

        await page.Locator("[data-testid=filter-framework]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=filter-panel-framework]")).ToContainTextAsync("XGBoost");
        await WebFixture.ClosePopoverAsync(page);

        await page.Locator("[data-testid=columns-menu]").ClickAsync();
        await page.Locator("[data-testid=metric-select]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "rare-metric › val" })).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("input[data-testid=meta-key], [data-testid=meta-key] input").FillAsync("rare");
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "rare-key" })).ToHaveCountAsync(1);
        await WebFixture.ScreenshotAsync(page, "model-table-columns-menu");
    }

    [Fact]
    public async Task The_project_filter_of_all_models_lists_the_projects_and_names_them_after_a_reload()
    {
        var wanted = Seed.Unique("filter wanted");
        var project = await web.CreateProjectAsync(wanted);
        var other = await web.CreateProjectAsync(Seed.Unique("filter other"));
        await web.CreateModelAsync("in the wanted project", project);
        await web.CreateModelAsync("in the other project", other);

        var page = await web.SignedInPageAsync("/projects/*/models");
        await page.Locator("[data-testid='filter-project.name']").ClickAsync();
        await page.Locator($"[data-testid=filter-option][data-value='{project}'] input").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveAttributeAsync("data-model-name", "in the wanted project");

        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=active-filter][data-column='project.name']")).ToContainTextAsync(wanted);
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_metadata_column_filters_by_the_values_the_project_holds()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("metadata filter"));
        using (var api = web.Api())
        {
            foreach (var (name, dataset) in new[] { ("on v1", "v1"), ("on v2", "v2"), ("also on v2", "v2") })
            {
                var id = await web.CreateModelAsync(name, project);
                (await api.CallAsync("models.add_or_update_metadata", new JsonObject
                {
                    ["model"] = id,
                    ["metadata"] = new JsonArray(new JsonObject { ["key"] = "dataset", ["type"] = "str", ["value"] = dataset }),
                })).Ok();
            }
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models?columns=name&columns=meta.dataset");
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(3);

        await page.Locator("[data-testid='filter-meta.dataset']").ClickAsync();
        var panel = page.Locator("[data-testid='filter-panel-meta.dataset']");
        await Assertions.Expect(panel.Locator("[data-testid=filter-option]")).ToHaveCountAsync(2);
        await panel.Locator("[data-testid=filter-option][data-value=v2] input").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=model-row][data-model-name='on v1']")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "model-table-metadata-filter");

        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=model-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=active-filter][data-column='meta.dataset']")).ToContainTextAsync("v2");
    }
}
