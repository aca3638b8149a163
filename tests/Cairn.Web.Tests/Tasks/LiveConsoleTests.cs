using System.Text.Json.Nodes;
using Cairn.Testing;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Tasks;

/// <summary>The CONSOLE tab of a running task shows new lines as the task prints them.</summary>
public sealed class LiveConsoleTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static async Task LogAsync(ApiClient api, string task, long start, params string[] messages)
    {
        var lines = messages.Select((message, i) => new JsonObject
        {
            ["type"] = "log",
            ["task"] = task,
            ["level"] = "info",
            ["worker"] = "test-worker",
            ["msg"] = message,
            ["timestamp"] = start + i,
        }.ToJsonString());
        (await api.SendAsync("events.add_batch", string.Join("\n", lines), "application/json-lines", HttpMethod.Post)).Ok();
    }

    [Fact]
    public async Task A_running_tasks_console_shows_new_lines_as_they_come_and_follows_again_after_a_pause()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("live console"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "running");
        (await api.CallAsync("tasks.started", new { task })).Ok();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000;
        await LogAsync(api, task, start, "epoch 1", "epoch 2");

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/console");
        var lines = page.Locator("[data-testid=log-line]");
        await Assertions.Expect(lines).ToHaveCountAsync(2);
        var live = page.Locator("[data-testid=log-live]");
        await Assertions.Expect(live).ToHaveAttributeAsync("data-following", "true");

        await LogAsync(api, task, start + 1_000, "epoch 3", "epoch 4", "epoch 5");
        await Assertions.Expect(lines).ToHaveCountAsync(5);
        await Assertions.Expect(lines.Last).ToContainTextAsync("epoch 5");
        await Assertions.Expect(page.Locator("[data-testid=log-count]")).ToHaveTextAsync("5 of 5 lines");
        Assert.Equal(["epoch 1", "epoch 2", "epoch 3", "epoch 4", "epoch 5"], await page.Locator("[data-testid=log-line] .cairn-log-msg").AllTextContentsAsync());

        // A line printed while paused appears once the tab follows again.
        await live.ClickAsync();
        await Assertions.Expect(live).ToHaveAttributeAsync("data-following", "false");
        await Assertions.Expect(live).ToHaveTextAsync("Paused");
        await LogAsync(api, task, start + 2_000, "epoch 6");
        await live.ClickAsync();
        await Assertions.Expect(live).ToHaveTextAsync("Live");
        await Assertions.Expect(lines).ToHaveCountAsync(6);
        await Assertions.Expect(lines.Last).ToContainTextAsync("epoch 6");
        await WebFixture.ScreenshotAsync(page, "task-console-live");
    }

    [Fact]
    public async Task A_running_task_with_no_output_yet_shows_its_first_lines_when_they_come()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("live empty"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "starting");
        (await api.CallAsync("tasks.started", new { task })).Ok();
        var idle = await Seed.TaskAsync(api, project, "never started");

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/console");
        await Assertions.Expect(page.Locator("[data-testid=tab-console] [data-testid=empty-state]")).ToContainTextAsync("Waiting for console output");
        await LogAsync(api, task, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000, "hello from the run");
        await Assertions.Expect(page.Locator("[data-testid=log-line]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=log-line]")).ToContainTextAsync("hello from the run");

        // A task that is not running has nothing to follow.
        await page.GotoAsync($"/projects/{project}/tasks/{idle}/console");
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=tab-console] [data-testid=empty-state]")).ToContainTextAsync("No console output");
        await Assertions.Expect(page.Locator("[data-testid=log-live]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_console_search_reads_earlier_pages_until_a_line_matches()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("console search"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "long log");
        await LogAsync(api, task, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000, [.. Enumerable.Range(1, 250).Select(i => $"step {i:D3}")]);

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/console");
        var lines = page.Locator("[data-testid=log-line]");
        await Assertions.Expect(lines).ToHaveCountAsync(100);
        await page.Locator("[data-testid=log-search] input, input[data-testid=log-search]").First.FillAsync("step 012");
        await Assertions.Expect(page.Locator("[data-testid=log-count]")).ToHaveTextAsync("0 matching · 100 of 250 lines");

        // Lines 51–150 hold no match, so one click reads on to the first page of the log.
        await page.ClickAsync("[data-testid=log-search-earlier]");
        await Assertions.Expect(page.Locator("[data-testid=log-count]")).ToHaveTextAsync("1 matching · 250 of 250 lines");
        await Assertions.Expect(lines).ToHaveCountAsync(1);
        await Assertions.Expect(lines).ToContainTextAsync("step 012");
        await Assertions.Expect(page.Locator("[data-testid=log-search-earlier]")).ToHaveCountAsync(0);
    }
}
