using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Web.Tests.ModelDetail;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests.Tasks;

[Collection(DetailPagesCollection.Name)]
public sealed class TaskPageTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task The_artifacts_tab_lists_input_and_output_models_and_other_artifacts()
    {
        var projectName = Seed.Unique("task page");
        var project = await web.CreateProjectAsync(projectName);
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "fine-tune bert");
        var input = await Seed.ModelAsync(api, project, "bert base");
        var output = await Seed.ModelAsync(api, project, "bert tuned", task: task);
        await Seed.LinkAsync(api, task, input, "pretrained");
        await Seed.LinkAsync(api, task, output, "tuned", output: true);
        var artifacts = new JsonObject
        {
            ["task"] = task,
            ["artifacts"] = new JsonArray(new JsonObject
            {
                ["key"] = "eval-report",
                ["type"] = "pandas",
                ["mode"] = "output",
                ["uri"] = "https://example.com/artifacts/eval-report.csv.gz",
                ["content_size"] = 2048,
                ["hash"] = "5d41402abc4b2a76b9719d911017c592",
                ["type_data"] = new JsonObject { ["preview"] = "label,precision\ncat,0.91\ndog,0.88", ["content_type"] = "text/csv" },
                ["display_data"] = new JsonArray(new JsonArray("rows", "2")),
            }),
        };
        (await api.CallAsync("tasks.add_or_update_artifacts", artifacts)).Ok();

        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{task}/artifacts");
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveTextAsync("fine-tune bert");
        var fields = page.Locator("[data-testid=task-fields]");
        await Assertions.Expect(fields).ToContainTextAsync("training");
        await Assertions.Expect(fields).ToContainTextAsync(projectName);
        await Assertions.Expect(fields).ToContainTextAsync("Test User");

        var inputRow = page.Locator($"[data-testid=input-models] tr[data-model-id='{input}']");
        await Assertions.Expect(inputRow).ToContainTextAsync("pretrained");
        await Assertions.Expect(inputRow.Locator("[data-testid=model-link]")).ToHaveTextAsync("bert base");
        await Assertions.Expect(inputRow).ToContainTextAsync("https://example.com/models/bert%20base.pt");
        await Assertions.Expect(page.Locator($"[data-testid=output-models] tr[data-model-id='{output}'] [data-testid=model-link]")).ToHaveTextAsync("bert tuned");

        var artifact = page.Locator("[data-artifact=eval-report]");
        await Assertions.Expect(artifact).ToContainTextAsync("pandas");
        await Assertions.Expect(artifact.Locator("[data-testid=artifact-size]")).ToHaveTextAsync("2 KB");
        await Assertions.Expect(artifact).ToContainTextAsync("5d41402abc4b2a76b9719d911017c592");
        await Assertions.Expect(artifact).ToContainTextAsync("ROWS");
        await Assertions.Expect(artifact.Locator("[data-testid=artifact-preview]")).ToContainTextAsync("cat,0.91");
        Assert.Equal("https://example.com/artifacts/eval-report.csv.gz?download",
            await artifact.Locator("[data-testid=artifact-download]").GetAttributeAsync("href"));
        await WebFixture.ScreenshotAsync(page, "task-artifacts");

        await inputRow.Locator("[data-testid=model-link]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/models/{input}/general(\\?.*)?$"));
        await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveTextAsync("bert base");
    }

    [Fact]
    public async Task ClearMLs_task_links_land_on_the_task_page_its_models_and_its_artifacts()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("clearml links"));
        var elsewhere = await web.CreateProjectAsync(Seed.Unique("elsewhere"));
        using var api = web.Api();
        var task = await Seed.TaskAsync(api, project, "train from the sdk");
        var output = await Seed.ModelAsync(api, project, "sdk output", task: task);
        await Seed.LinkAsync(api, task, output, "final", output: true);
        var artifacts = new JsonObject
        {
            ["task"] = task,
            ["artifacts"] = new JsonArray(
                new JsonObject { ["key"] = "first", ["type"] = "str", ["mode"] = "output", ["uri"] = "https://example.com/a.txt" },
                new JsonObject { ["key"] = "eval report", ["type"] = "pandas", ["mode"] = "output", ["uri"] = "https://example.com/eval.csv" }),
        };
        (await api.CallAsync("tasks.add_or_update_artifacts", artifacts)).Ok();
        var name = (await web.SignedInPageAsync("/projects")).Locator("[data-testid=task-name]");
        var page = name.Page;

        // The link Task.init prints.
        await page.GotoAsync($"/projects/{project}/experiments/{task}/output/log");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks/{task}/output/log$"));
        await Assertions.Expect(name).ToHaveTextAsync("train from the sdk");
        await page.GotoAsync($"/experiments/{task}");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/\\*/tasks/{task}$"));
        await Assertions.Expect(name).ToHaveTextAsync("train from the sdk");
        // Under another project than its own, the task opens under its own.
        await page.GotoAsync($"/projects/{elsewhere}/tasks/{task}");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/tasks/{task}$"));

        // ARTIFACTS routes: an output model opens its model page (full screen or not)...
        foreach (var route in new[] { "artifacts/output-model", "output/artifacts/output-model" })
        {
            await page.GotoAsync($"/projects/{project}/tasks/{task}/{route}/{output}");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/models/{output}/general$"));
            await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveTextAsync("sdk output");
        }
        // ...and another artifact is picked out on the task page.
        await page.GotoAsync($"/projects/{project}/tasks/{task}/artifacts/other/eval%20report/output");
        await Assertions.Expect(name).ToHaveTextAsync("train from the sdk");
        await Assertions.Expect(page.Locator("[data-artifact='eval report']")).ToHaveAttributeAsync("data-selected", "true");
        await Assertions.Expect(page.Locator("[data-artifact=first]")).ToHaveAttributeAsync("data-selected", "false");
        await WebFixture.ScreenshotAsync(page, "task-artifact-link");

        // Unknown ids in any of them: the not-found page.
        var missing = new string('0', 32);
        foreach (var path in new[]
        {
            $"/projects/{project}/experiments/{missing}/output/log",
            $"/experiments/{missing}",
            $"/projects/{project}/tasks/{task}/artifacts/output-model/{missing}",
            $"/projects/{project}/tasks/{task}/artifacts/other/no-such-artifact/output",
            $"/projects/{project}/tasks/{missing}/artifacts/other/first/output",
        })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
            await Assertions.Expect(name).ToHaveCountAsync(0);
        }
    }

    [Fact]
    public async Task A_missing_task_shows_the_not_found_page()
    {
        var project = await web.CreateProjectAsync(Seed.Unique("no task"));
        var page = await web.SignedInPageAsync($"/projects/{project}/tasks/{new string('0', 32)}");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=task-name]")).ToHaveCountAsync(0);
    }
}
