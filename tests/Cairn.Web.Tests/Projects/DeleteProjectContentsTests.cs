using System.Text.RegularExpressions;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Projects;

/// <summary>Deleting a project that still holds tasks or models: the refusal in words, and the ways out.</summary>
public sealed class DeleteProjectContentsTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static async Task OpenDeleteAsync(IPage page, string projectName)
    {
        var card = page.Locator($"[data-testid=project-card][data-project='{projectName}']");
        await card.Locator("[data-testid=project-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=delete-project]");
        await page.ClickAsync("[data-testid=confirm-delete]");
    }

    [Fact]
    public async Task A_project_with_tasks_offers_to_delete_it_with_its_tasks_and_models()
    {
        var name = Seed.Unique("holds tasks");
        var project = await web.CreateProjectAsync(name);
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "kept run");
        var model = await Seed.ModelAsync(api, project, "kept weights", task);

        var page = await web.SignedInPageAsync("/projects");
        await OpenDeleteAsync(page, name);
        await Assertions.Expect(page.Locator("[data-testid=project-not-empty]")).ToHaveTextAsync($"{name} (or a subproject) still holds tasks that are not archived.");
        // No raw API error: the refusal is said in words.
        await Assertions.Expect(page.Locator("[data-testid=dialog-error]")).Not.ToContainTextAsync("use force=true");
        await WebFixture.ScreenshotAsync(page, "project-delete-not-empty");
        await page.ClickAsync("[data-testid=confirm-delete-contents]");
        await Assertions.Expect(page.Locator($"[data-testid=project-card][data-project='{name}']")).ToHaveCountAsync(0);

        Assert.Empty((await api.CallAsync("projects.get_all", new { id = new[] { project } })).Ok()["projects"]!.AsArray());
        Assert.Empty((await api.CallAsync("tasks.get_all", new { id = new[] { task } })).Ok()["tasks"]!.AsArray());
        Assert.Empty((await api.CallAsync("models.get_all", new { id = new[] { model } })).Ok()["models"]!.AsArray());
    }

    [Fact]
    public async Task The_refusal_links_to_the_projects_tasks_where_they_can_be_archived()
    {
        var name = Seed.Unique("to archive");
        var project = await web.CreateProjectAsync(name);
        using var api = web.Api();
        await Seed.TaskAsync(api, project, "old run");

        var page = await web.SignedInPageAsync("/projects");
        await OpenDeleteAsync(page, name);
        await page.ClickAsync("[data-testid=open-project-tasks]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks$"));
        await Assertions.Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
        await page.Locator("[data-testid=task-row][data-task-name='old run'] [data-testid=row-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=row-archive]");
        await Assertions.Expect(page.Locator("[data-testid=task-row]")).ToHaveCountAsync(0);

        // With its only task archived, the plain delete goes through.
        await page.GotoAsync("/projects");
        await WebFixture.WaitForInteractiveAsync(page);
        await OpenDeleteAsync(page, name);
        await Assertions.Expect(page.Locator($"[data-testid=project-card][data-project='{name}']")).ToHaveCountAsync(0);
        Assert.Empty((await api.CallAsync("projects.get_all", new { id = new[] { project } })).Ok()["projects"]!.AsArray());
    }
}
