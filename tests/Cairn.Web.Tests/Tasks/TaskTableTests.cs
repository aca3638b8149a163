using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Testing;
using Cairn.Web.Components.Pages.Tasks;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Tasks;

/// <summary>A project's TASKS tab: the task table (ClearML's experiments table) over tasks created through the API.</summary>
public sealed class TaskTableTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Rows(IPage page) => page.Locator("[data-testid=task-row]");

    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static async Task<List<string>> RowNamesAsync(IPage page) =>
        [.. await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskName)")];

    // Waits for exactly these rows: a count alone can match the previous view before the new one loads.
    private static async Task ExpectRowsAsync(IPage page, params string[] names)
    {
        foreach (var name in names)
        {
            await Assertions.Expect(page.Locator($"[data-testid=task-row][data-task-name='{name}']")).ToHaveCountAsync(1);
        }
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(names.Length);
    }

    private static async Task<string> CreateTaskAsync(ApiClient api, string project, string name, string type = "training", string[]? tags = null)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["type"] = type,
            ["project"] = project,
            ["tags"] = new JsonArray([.. (tags ?? []).Select(t => (JsonNode)t)]),
        };
        return (await api.CallAsync("tasks.create", body)).Ok()["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task The_tasks_tab_lists_the_projects_tasks_with_their_columns_and_opens_a_task()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("task columns"), "Nightly training runs");
        var other = await web.CreateProjectAsync(Seed.Unique("elsewhere"));
        using var api = web.Api();
        var trained = await CreateTaskAsync(api, project, "train resnet", "training", ["gpu", "nightly"]);
        (await api.CallAsync("tasks.started", new { task = trained })).Ok();
        await CreateTaskAsync(api, project, "evaluate resnet", "testing");
        await CreateTaskAsync(api, other, "not this project's");

        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(page.Locator("[data-testid=project-description]")).ToHaveTextAsync("Nightly training runs");
        await page.ClickAsync("[data-testid=project-tabs] [data-tab=tasks]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks$"));
        await Assertions.Expect(page.Locator("[data-testid=project-tabs] [data-tab=tasks]")).ToHaveClassAsync("active");
        await ExpectRowsAsync(page, "train resnet", "evaluate resnet");

        var row = page.Locator($"[data-testid=task-row][data-task-id='{trained}']");
        await Assertions.Expect(row.Locator("td[data-column=type]")).ToHaveTextAsync("training");
        await Assertions.Expect(row.Locator("td[data-column=status]")).ToHaveTextAsync("in_progress");
        await Assertions.Expect(row.Locator("td[data-column='user.name']")).ToHaveTextAsync("Test User");
        await Assertions.Expect(row.Locator("td[data-column=started]")).ToHaveTextAsync(new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d$"));
        await Assertions.Expect(row.Locator("td[data-column=tags]")).ToHaveTextAsync("gpunightly");
        var evaluate = page.Locator("[data-testid=task-row][data-task-name='evaluate resnet']");
        await Assertions.Expect(evaluate.Locator("td[data-column=started]")).ToHaveTextAsync("—");
        await Assertions.Expect(page.Locator("[data-testid=row-count]")).ToHaveTextAsync("2 tasks");
        await WebFixture.ScreenshotAsync(page, "task-table");

        await row.Locator("[data-testid=task-link]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks/{trained}$"));
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("train resnet");
        await page.ClickAsync("[data-testid=task-table-link]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks$"));
        await ExpectRowsAsync(page, "train resnet", "evaluate resnet");
        await page.ClickAsync("[data-testid=project-tabs] [data-tab=models]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/models$"));
        await Assertions.Expect(page.Locator("[data-testid=model-table]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ClearMLs_experiments_table_link_opens_the_task_table_and_an_unknown_project_is_not_found()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("experiments link"));
        using var api = web.Api();
        await CreateTaskAsync(api, project, "linked run");

        // The sign-in lands elsewhere first: the link redirects, so its path is not where the page ends up.
        var page = await web.SignedInPageAsync();
        await page.GotoAsync($"/projects/{project}/experiments");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks$"));
        await ExpectRowsAsync(page, "linked run");

        await page.GotoAsync("/projects/0123456789abcdef0123456789abcdef/tasks");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Sort_status_and_type_filters_and_search_run_on_the_server_and_live_in_the_URL()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("task views"));
        using var api = web.Api();
        await CreateTaskAsync(api, project, "bravo");
        var charlie = await CreateTaskAsync(api, project, "Charlie", "testing");
        var alpha = await CreateTaskAsync(api, project, "alpha", "inference");
        (await api.CallAsync("tasks.started", new { task = charlie })).Ok();
        (await api.CallAsync("tasks.started", new { task = alpha })).Ok();
        (await api.CallAsync("tasks.completed", new { task = alpha })).Ok();

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks");
        await ExpectRowsAsync(page, "alpha", "bravo", "Charlie");
        // Newest update first by default: alpha was changed last.
        await Assertions.Expect(page.Locator("th[data-column=last_update] [data-testid=sort-indicator]")).ToHaveAttributeAsync("data-direction", "desc");
        Assert.Equal("alpha", (await RowNamesAsync(page))[0]);

        await page.ClickAsync("[data-testid='sort-name']");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("order=name$"));
        await Assertions.Expect(page.Locator("th[data-column=name] [data-testid=sort-indicator]")).ToHaveAttributeAsync("data-direction", "asc");
        await Assertions.Expect(Rows(page).First).ToHaveAttributeAsync("data-task-name", new Regex("^(alpha|Charlie)$"));
        var ascending = await RowNamesAsync(page);
        await page.ClickAsync("[data-testid='sort-name']");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("order=-name$"));
        await Assertions.Expect(Rows(page).First).ToHaveAttributeAsync("data-task-name", ascending[^1]);
        Assert.Equal(Enumerable.Reverse(ascending), await RowNamesAsync(page));

        await page.ClickAsync("[data-testid='filter-status']");
        await page.Locator("[data-testid='filter-panel-status'] [data-testid=filter-option][data-value=in_progress] input").ClickAsync();
        await ExpectRowsAsync(page, "Charlie");
        await page.Locator("[data-testid='filter-panel-status'] [data-testid=filter-option][data-value=completed] input").ClickAsync();
        await ExpectRowsAsync(page, "alpha", "Charlie");
        await WebFixture.ClosePopoverAsync(page);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("status=completed%2Cin_progress"));
        await Assertions.Expect(page.Locator("[data-testid=active-filter][data-column=status]")).ToContainTextAsync("Completed, Running");

        await page.ClickAsync("[data-testid='filter-type']");
        var typePanel = page.Locator("[data-testid='filter-panel-type']");
        await Assertions.Expect(typePanel.Locator("[data-testid=filter-option]")).ToHaveCountAsync(3);
        await typePanel.Locator("[data-testid=filter-option][data-value=testing] input").ClickAsync();
        await ExpectRowsAsync(page, "Charlie");
        await WebFixture.ClosePopoverAsync(page);

        // A reload (or a shared link) shows the same view.
        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await ExpectRowsAsync(page, "Charlie");
        await Assertions.Expect(page.Locator("[data-testid=active-filter]")).ToHaveCountAsync(2);
        await page.ClickAsync("[data-testid=clear-filters]");
        await ExpectRowsAsync(page, "alpha", "bravo", "Charlie");

        // The search is the server's: case-insensitive, over names, ids and comments.
        await page.Locator(Input("task-search")).FillAsync("CHAR");
        await ExpectRowsAsync(page, "Charlie");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("q=CHAR"));
        await page.Locator(Input("task-search")).FillAsync("nothing like it");
        await Assertions.Expect(page.Locator("[data-testid=empty-state]")).ToContainTextAsync("No tasks match");
        await page.GoBackAsync();
        await ExpectRowsAsync(page, "Charlie");
        await Assertions.Expect(page.Locator(Input("task-search"))).ToHaveValueAsync("CHAR");
    }

    [Fact]
    public async Task Rows_come_a_page_at_a_time()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("many tasks"));
        using var api = web.Api();
        var total = TaskTable.PageSize + 7;
        for (var i = 1; i <= total; i++)
        {
            await CreateTaskAsync(api, project, $"run {i:D3}");
        }

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks?order=name");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(TaskTable.PageSize);
        await Assertions.Expect(Rows(page).Last).ToHaveAttributeAsync("data-task-name", $"run {TaskTable.PageSize:D3}");
        await page.ClickAsync("[data-testid=load-more]");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(total);
        Assert.Equal(Enumerable.Range(1, total).Select(i => $"run {i:D3}"), await RowNamesAsync(page));
        await Assertions.Expect(page.Locator("[data-testid=row-count]")).ToHaveTextAsync($"{total} tasks");
    }

    [Fact]
    public async Task Selected_tasks_are_archived_restored_and_deleted_from_the_archive_with_confirmation()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("task lifecycle"));
        using var api = web.Api();
        foreach (var name in new[] { "one", "two", "three" })
        {
            await CreateTaskAsync(api, project, name);
        }
        var model = await Seed.ModelAsync(api, project, "kept model");
        var two = (await api.CallAsync("tasks.get_all", new { name = "^two$", project = new[] { project } })).Ok()["tasks"]![0]!["id"]!.GetValue<string>();
        await Seed.LinkAsync(api, two, model, "best", output: true);

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks");
        await ExpectRowsAsync(page, "one", "two", "three");
        await page.Locator("[data-testid=task-row][data-task-name=one] " + Input("select-row")).ClickAsync();
        await page.Locator("[data-testid=task-row][data-task-name=two] " + Input("select-row")).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=selected-count]")).ToHaveTextAsync("2 selected");
        await page.ClickAsync("[data-testid=bulk-archive]");
        await ExpectRowsAsync(page, "three");

        await page.ClickAsync("[data-testid=archive-toggle]");
        await ExpectRowsAsync(page, "one", "two");
        Assert.Contains("archive=true", page.Url, StringComparison.Ordinal);

        await page.Locator("[data-testid=task-row][data-task-name=one] [data-testid=row-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=row-restore]");
        await ExpectRowsAsync(page, "two");

        await page.Locator(Input("select-all")).ClickAsync();
        await page.ClickAsync("[data-testid=bulk-delete]");
        await Assertions.Expect(page.Locator(".mud-dialog")).ToContainTextAsync("The models they made stay in the registry");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=empty-state]")).ToContainTextAsync("The archive is empty");

        var names = (await api.CallAsync("tasks.get_all", new { project = new[] { project } })).Ok()["tasks"]!.AsArray()
            .Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["one", "three"], names);
        var models = (await api.CallAsync("models.get_all", new { id = new[] { model } })).Ok()["models"]!.AsArray();
        Assert.Single(models);
    }
}
