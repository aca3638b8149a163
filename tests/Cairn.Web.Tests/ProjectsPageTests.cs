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
    public async Task Counts_include_subprojects_and_names_sort_regardless_of_case()
    {
        // Its own tree, under a root named so that its cards are the only ones there.
        var root = await web.CreateProjectAsync("counts");
        var apple = await web.CreateProjectAsync("counts/apple");
        var banana = await web.CreateProjectAsync("counts/Banana");
        var deep = await web.CreateProjectAsync("counts/apple/seeds");
        var deeper = await web.CreateProjectAsync("counts/apple/seeds/core");
        await web.CreateProjectAsync("counts/cherry");
        await web.CreateModelAsync("own", apple);
        await web.CreateModelAsync("in seeds", deep);
        await web.CreateModelAsync("in core", deeper);
        await web.CreateModelAsync("banana model", banana);
        await web.CreateModelAsync("at root", root);

        var page = await web.SignedInPageAsync($"/projects/{root}/projects");
        var names = page.Locator("[data-testid=project-card] [data-testid=project-name]");
        await Assertions.Expect(names).ToHaveTextAsync(["apple", "Banana", "cherry"]);
        var appleCard = page.Locator("[data-testid=project-card][data-project='counts/apple']");
        await Assertions.Expect(appleCard.Locator("[data-testid=model-count]")).ToContainTextAsync("3");
        var all = page.Locator("[data-testid=all-models-card]");
        await Assertions.Expect(all.Locator("[data-testid=all-models-count]")).ToContainTextAsync("5");
        await Assertions.Expect(all.Locator("[data-testid=all-projects-count]")).ToContainTextAsync("5");

        // At the top, the All models card counts every project, not only the top-level ones.
        using var api = web.Api();
        var everyProject = (await api.CallAsync("projects.get_all", new { only_fields = new[] { "id" } })).Ok()["projects"]!.AsArray().Count;
        await page.GotoAsync("/projects");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=all-models-card] [data-testid=all-projects-count]")).ToContainTextAsync(everyProject.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=project-card][data-project='counts'] [data-testid=model-count]")).ToContainTextAsync("5");
        await WebFixture.ScreenshotAsync(page, "projects-counts");
    }

    [Fact]
    public async Task The_new_project_dialog_opens_without_an_error_and_asks_for_a_name_once_it_is_cleared()
    {
        var page = await web.SignedInPageAsync("/projects");
        await page.ClickAsync("[data-testid=new-project]");
        var dialog = page.Locator(".mud-dialog");
        var name = page.Locator("input[data-testid=project-name-input], [data-testid=project-name-input] input");
        // The field keeps the focus it opens with: losing it to the dialog is what flagged it "Required".
        await Assertions.Expect(name).ToBeFocusedAsync();
        await Assertions.Expect(dialog.Locator(".mud-input-error")).ToHaveCountAsync(0);
        await Assertions.Expect(dialog).Not.ToContainTextAsync("Required");
        await Assertions.Expect(page.Locator("[data-testid=save-project]")).ToBeDisabledAsync();
        await WebFixture.ScreenshotAsync(page, "project-new-dialog");

        await page.Keyboard.TypeAsync("x");
        await Assertions.Expect(name).ToHaveValueAsync("x");
        await Assertions.Expect(page.Locator("[data-testid=save-project]")).ToBeEnabledAsync();
        await name.FillAsync("");
        await Assertions.Expect(dialog).ToContainTextAsync("Enter a name.");
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
