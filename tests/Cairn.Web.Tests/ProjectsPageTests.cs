using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ProjectsPageTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Cards_show_each_projects_own_model_count_and_its_subprojects()
    {
        var vision = await web.CreateProjectAsync("vision", "Image models");
        await web.CreateProjectAsync("vision/detectors");
        await web.CreateModelAsync("resnet", vision);
        await web.CreateModelAsync("vit", vision);

        var page = await web.SignedInPageAsync("/projects");
        var card = page.Locator("[data-testid=project-card][data-project='vision']");
        await Assertions.Expect(card.Locator("[data-testid=model-count]")).ToContainTextAsync("2");
        await Assertions.Expect(card.Locator("[data-testid=subprojects-link]")).ToHaveTextAsync("1 subproject");
        await Assertions.Expect(page.Locator("[data-testid=all-models-card]")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "projects");

        await card.Locator("[data-testid=subprojects-link]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{vision}/projects$"));
        await Assertions.Expect(page.Locator("[data-testid=project-card][data-project='vision/detectors']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=own-models-card]")).ToContainTextAsync("2");
        await WebFixture.ScreenshotAsync(page, "subprojects");
    }

    [Fact]
    public async Task A_project_is_created_renamed_and_deleted_from_its_card()
    {
        var page = await web.SignedInPageAsync("/projects");
        await page.ClickAsync("[data-testid=new-project]");
        await page.Locator("input[data-testid=project-name-input], [data-testid=project-name-input] input").FillAsync("speech");
        await page.Locator("textarea[data-testid=project-description-input], [data-testid=project-description-input] textarea").FillAsync("Speech recognition");
        await page.ClickAsync("[data-testid=save-project]");
        var card = page.Locator("[data-testid=project-card][data-project='speech']");
        await Assertions.Expect(card).ToContainTextAsync("Speech recognition");

        await card.Locator("[data-testid=project-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=rename-project]");
        var name = page.Locator("input[data-testid=project-name-input], [data-testid=project-name-input] input");
        await name.FillAsync("speech-v2");
        await page.ClickAsync("[data-testid=save-project]");
        var renamed = page.Locator("[data-testid=project-card][data-project='speech-v2']");
        await Assertions.Expect(renamed).ToBeVisibleAsync();
        await Assertions.Expect(card).ToHaveCountAsync(0);
        using (var api = web.Api())
        {
            var found = (await api.CallAsync("projects.get_all", new { name = "^speech-v2$" })).Ok()["projects"]!.AsArray();
            Assert.Single(found);
        }

        await renamed.Locator("[data-testid=project-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=delete-project]");
        await WebFixture.ScreenshotAsync(page, "project-delete-confirm");
        await page.ClickAsync("[data-testid=confirm-delete]");
        await Assertions.Expect(renamed).ToHaveCountAsync(0);
        using (var api = web.Api())
        {
            var found = (await api.CallAsync("projects.get_all", new { name = "^speech-v2$" })).Ok()["projects"]!.AsArray();
            Assert.Empty(found);
        }
    }

    [Fact]
    public async Task Creating_a_project_whose_name_is_taken_shows_the_API_message_in_the_dialog()
    {
        await web.CreateProjectAsync("taken");
        var page = await web.SignedInPageAsync("/projects");
        await page.ClickAsync("[data-testid=new-project]");
        await page.Locator("input[data-testid=project-name-input], [data-testid=project-name-input] input").FillAsync("taken");
        await page.ClickAsync("[data-testid=save-project]");
        await Assertions.Expect(page.Locator("[data-testid=dialog-error]")).ToContainTextAsync("already exists");
        await WebFixture.ScreenshotAsync(page, "project-create-refused");
    }

    [Fact]
    public async Task A_project_with_models_is_not_deleted_and_the_refusal_is_shown()
    {
        var busy = await web.CreateProjectAsync("busy");
        await web.CreateModelAsync("kept", busy);
        var page = await web.SignedInPageAsync("/projects");
        var card = page.Locator("[data-testid=project-card][data-project='busy']");
        await card.Locator("[data-testid=project-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=delete-project]");
        await page.ClickAsync("[data-testid=confirm-delete]");
        await Assertions.Expect(page.Locator("[data-testid=dialog-error]")).ToBeVisibleAsync();
        using var api = web.Api();
        Assert.Single((await api.CallAsync("projects.get_all", new { name = "^busy$" })).Ok()["projects"]!.AsArray());
    }

    [Fact]
    public async Task A_missing_project_shows_not_found()
    {
        var page = await web.SignedInPageAsync("/projects");
        await page.GotoAsync("/projects/0123456789abcdef0123456789abcdef/projects");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
    }
}
