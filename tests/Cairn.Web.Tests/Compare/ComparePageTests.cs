using System.Text.Json.Nodes;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Compare;

[Collection(DetailPagesCollection.Name)]
public sealed class ComparePageTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Two_models_side_by_side_highlight_their_differences_and_overlay_their_scalars()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("compare"));
        using var api = web.Api();
        var first = await Seed.ModelAsync(api, project, "classifier v1", design: "layers: 3\nactivation: relu\ndropout: 0.1\n",
            labels: new JsonObject { ["cat"] = 1, ["dog"] = 2 });
        var second = await Seed.ModelAsync(api, project, "classifier v2", design: "layers: 3\nactivation: gelu\ndropout: 0.1\n",
            labels: new JsonObject { ["cat"] = 1, ["dog"] = 3, ["bird"] = 4 });
        await Seed.ScalarsAsync(api, first, "loss", "train", (0, 1.0), (1, 0.6), (2, 0.4));
        await Seed.ScalarsAsync(api, second, "loss", "train", (0, 0.9), (1, 0.5), (2, 0.3));

        var page = await web.SignedInPageAsync($"/projects/{project}/models/compare?ids={first},{second}");
        var table = page.Locator("[data-testid=compare-table]");
        await Assertions.Expect(table.Locator($"th[data-model-id='{first}']")).ToContainTextAsync("Base");

        // dog is 2 in the base and 3 in the other: that cell is highlighted; cat is the same and is not.
        var dog = table.Locator("tr[data-section=Labels][data-field=dog]");
        await Assertions.Expect(dog).ToHaveAttributeAsync("data-differs", "true");
        await Assertions.Expect(dog.Locator("td.cairn-diff")).ToHaveTextAsync("3");
        var cat = table.Locator("tr[data-section=Labels][data-field=cat]");
        await Assertions.Expect(cat).ToHaveAttributeAsync("data-differs", "false");
        await Assertions.Expect(cat.Locator("td.cairn-diff")).ToHaveCountAsync(0);
        await Assertions.Expect(table.Locator("tr[data-section=Labels][data-field=bird] td.cairn-diff")).ToHaveTextAsync("4");

        var diff = table.Locator("[data-testid=design-diff]");
        await Assertions.Expect(diff.Locator(".removed")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("activation: relu"));
        await Assertions.Expect(diff.Locator(".added")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("activation: gelu"));

        var chart = page.Locator("[data-testid=scalar-chart]").Filter(new() { HasText = "loss › train" });
        await Assertions.Expect(chart.Locator(".main-svg").First).ToBeVisibleAsync(ModelDetailPageTests.ChartTimeout);
        var names = await chart.Locator(".js-plotly-plot").EvaluateAsync<string[]>("el => el.data.map(t => t.name)");
        Assert.Equal(["classifier v1", "classifier v2"], names);
        await WebFixture.ScreenshotAsync(page, "compare-models");

        // Hiding identical fields leaves the differing label and drops the identical one.
        await page.GetByText("Hide identical fields").ClickAsync();
        await Assertions.Expect(cat).ToHaveCountAsync(0);
        await Assertions.Expect(dog).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ClearMLs_compare_models_link_opens_the_comparison_of_the_same_models()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("compare link"));
        using var api = web.Api();
        var first = await Seed.ModelAsync(api, project, "linked v1");
        var second = await Seed.ModelAsync(api, project, "linked v2");

        var page = await web.SignedInPageAsync("/projects");
        await page.GotoAsync($"/projects/{project}/compare-models;ids={second},{first}/models-details");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/projects/{project}/models/compare\\?ids={second},{first}$"));
        var table = page.Locator("[data-testid=compare-table]");
        await Assertions.Expect(table.Locator($"th[data-model-id='{second}']")).ToContainTextAsync("Base");
        await Assertions.Expect(table.Locator($"th[data-model-id='{first}']")).ToContainTextAsync("linked v1");

        foreach (var path in new[]
        {
            $"/projects/{project}/compare-models;ids={new string('0', 32)},{new string('f', 32)}/models-details",
            $"/projects/{new string('e', 32)}/compare-models;ids={first},{second}",
            $"/projects/{project}/no-such-screen",
        })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
            await Assertions.Expect(table).ToHaveCountAsync(0);
        }
        var unknown = await page.GotoAsync($"/projects/{project}/no-such-screen/at-all");
        Assert.Equal(404, unknown!.Status);
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Fewer_than_two_models_explain_how_to_pick_them()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("compare one"));
        using var api = web.Api();
        var only = await Seed.ModelAsync(api, project, "lonely");
        var page = await web.SignedInPageAsync($"/projects/{project}/models/compare?ids={only}");
        await Assertions.Expect(page.Locator("[data-testid=empty-state]")).ToContainTextAsync("Pick 2 to 10 models");
        await Assertions.Expect(page.Locator("[data-testid=compare-table]")).ToHaveCountAsync(0);
    }
}
