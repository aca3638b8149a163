using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

[Collection(DetailPagesCollection.Name)]
public sealed class CreatingTaskLinkTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task The_creating_task_link_opens_the_task_under_its_own_project()
    {
        var taskProjectName = Seed.Unique("experiments");
        var taskProject = await web.CreateProjectAsync(taskProjectName);
        var modelProject = await web.CreateProjectAsync(Seed.Unique("registry"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, taskProject, "train the registry model");
        var model = await Seed.ModelAsync(api, modelProject, "registered", task: task);

        var page = await web.SignedInPageAsync($"/projects/{modelProject}/models/{model}/general");
        var link = page.Locator("[data-testid=creating-task]");
        await Assertions.Expect(link).ToHaveTextAsync("train the registry model");
        await Assertions.Expect(link).ToHaveAttributeAsync("href", $"projects/{taskProject}/tasks/{task}");
        await link.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{taskProject}/tasks/{task}(\\?.*)?$"));
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("train the registry model");
        await Assertions.Expect(page.Locator("[data-testid=task-fields]")).ToContainTextAsync(taskProjectName);
    }
}
