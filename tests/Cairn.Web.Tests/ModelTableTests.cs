using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ModelTableTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Rows(IPage page) => page.Locator("[data-testid=model-row]");

    // MudBlazor puts a component's attributes on its input or around it, depending on the component.
    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static async Task<List<string>> RowNamesAsync(IPage page) =>
        [.. await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.modelName)")];

    // Waits for exactly these rows: a count alone can match the previous view before the new one loads.
    private static async Task ExpectRowsAsync(IPage page, params string[] names)
    {
        foreach (var name in names)
        {
            await Assertions.Expect(page.Locator($"[data-testid=model-row][data-model-name='{name}']")).ToHaveCountAsync(1);
        }
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(names.Length);
        Assert.Equal(names.Order(), (await RowNamesAsync(page)).Order());
    }

    private async Task<string> SeedTaggedAsync(string project)
    {
        var id = await web.CreateProjectAsync(project);
        await web.CreateModelAsync("alpha", id, ["a", "b"], "PyTorch");
        await web.CreateModelAsync("beta", id, ["a"], "Keras");
        await web.CreateModelAsync("gamma", id, ["b"], "PyTorch");
        await web.CreateModelAsync("delta", id, [], "ONNX");
        return id;
    }

    [Fact]
    public async Task The_table_shows_a_projects_models_with_their_columns()
    {
        var project = await SeedTaggedAsync("columns");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");
        var beta = page.Locator("[data-testid=model-row][data-model-name=beta]");
        await Assertions.Expect(beta.Locator("td[data-column=framework]")).ToHaveTextAsync("Keras");
        await Assertions.Expect(beta.Locator("td[data-column=ready]")).ToHaveTextAsync("Draft");
        await Assertions.Expect(beta.Locator("td[data-column='project.name']")).ToHaveTextAsync("columns");
        await Assertions.Expect(beta.Locator("td[data-column='user.name']")).ToHaveTextAsync("Test User");
        await Assertions.Expect(beta.Locator("td[data-column=tags]")).ToHaveTextAsync("a");
        await WebFixture.ScreenshotAsync(page, "model-table");
    }

    [Fact]
    public async Task Filtering_by_an_included_and_an_excluded_tag_shows_only_the_matching_rows_and_survives_a_reload()
    {
        var project = await SeedTaggedAsync("tags");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");

        await page.ClickAsync("[data-testid='filter-tags']");
        var panel = page.Locator("[data-testid='filter-panel-tags']");
        await panel.Locator("[data-testid=tag-option][data-tag=a]").ClickAsync();
        await ExpectRowsAsync(page, "alpha", "beta");
        await panel.Locator("[data-testid=tag-option][data-tag=b]").ClickAsync();
        await panel.Locator("[data-testid=tag-option][data-tag=b]").ClickAsync();
        await Assertions.Expect(panel.Locator("[data-testid=tag-option][data-tag=b]")).ToHaveAttributeAsync("data-state", "exclude");
        await panel.Locator("[data-testid=tags-all]").ClickAsync();
        await ExpectRowsAsync(page, "beta");
        await WebFixture.ScreenshotAsync(page, "model-table-tag-filter");
        await WebFixture.ClosePopoverAsync(page);

        // The copied link reproduces the view in a new tab.
        var url = page.Url;
        Assert.Contains("filter=", url, StringComparison.Ordinal);
        var copy = await page.Context.NewPageAsync();
        await copy.GotoAsync(url);
        await WebFixture.WaitForInteractiveAsync(copy);
        await ExpectRowsAsync(copy, "beta");
        await Assertions.Expect(copy.Locator("[data-testid=active-filter][data-column=tags]")).ToContainTextAsync("not b");
    }

    [Fact]
    public async Task Removing_the_last_tag_keeps_the_all_mode_for_the_next_tag()
    {
        var project = await SeedTaggedAsync("tag mode");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");
        await page.ClickAsync("[data-testid='filter-tags']");
        var panel = page.Locator("[data-testid='filter-panel-tags']");
        var a = panel.Locator("[data-testid=tag-option][data-tag=a]");
        await a.ClickAsync();
        await panel.Locator("[data-testid=tags-all]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("filter=tags%3AAND%3Aa$"));

        // Include, exclude, drop: the filter is gone, and with it the tag.
        await a.ClickAsync();
        await Assertions.Expect(a).ToHaveAttributeAsync("data-state", "exclude");
        await a.ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("filter="));
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");

        await panel.Locator("[data-testid=tag-option][data-tag=b]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("filter=tags%3AAND%3Ab$"));
        await Assertions.Expect(page.Locator("[data-testid=active-filter][data-column=tags]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_updated_filter_puts_the_chosen_dates_in_the_url_and_the_chip_and_narrows_the_rows()
    {
        var project = await SeedTaggedAsync("updated filter");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        await page.ClickAsync("[data-testid='filter-last_update']");
        var panel = page.Locator("[data-testid='filter-panel-last_update']");
        await panel.Locator("[data-testid=updated-from]").FillAsync(today);
        var chip = page.Locator("[data-testid=active-filter][data-column=last_update]");
        await Assertions.Expect(chip).ToHaveTextAsync($"Updated: {today} – …");
        await panel.Locator("[data-testid=updated-to]").FillAsync(today);
        await Assertions.Expect(chip).ToHaveTextAsync($"Updated: {today} – {today}");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"filter=last_update%3A{today}%2B%24%2B{today}$"));
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");

        await panel.Locator("[data-testid=updated-from]").FillAsync(tomorrow);
        await Assertions.Expect(chip).ToHaveTextAsync($"Updated: {tomorrow} – {today}");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("No models match")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "model-table-updated-filter");
    }

    [Fact]
    public async Task At_1440_pixels_with_the_menu_open_the_default_columns_fit_and_an_added_column_is_scrolled_into_view()
    {
        var project = await web.CreateProjectAsync("image classification experiments for the quarterly review");
        using (var api = web.Api())
        {
            var task = await ModelDetail.Seed.TaskAsync(api, project, "fine-tune resnet50 on imagenet with mixed precision and cosine schedule");
            foreach (var name in new[] { "resnet50-imagenet-finetuned-mixed-precision-cosine-schedule-v3", "vit-base" })
            {
                var id = await ModelDetail.Seed.ModelAsync(api, project, name, task: task);
                (await api.CallAsync("models.update", new JsonObject
                {
                    ["model"] = id,
                    ["tags"] = new JsonArray("production-candidate", "imagenet", "quarterly-review"),
                })).Ok();
            }
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".cairn-drawer")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "model-table-layout");

        var wrap = page.Locator(".cairn-grid-wrap");
        var widths = await wrap.EvaluateAsync<int[]>("w => [w.scrollWidth, w.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"the table needs {widths[0]} px in {widths[1]} px");
        const string inView = """
            ([selector]) => {
                const wrap = document.querySelector('.cairn-grid-wrap').getBoundingClientRect();
                const box = document.querySelector(selector).getBoundingClientRect();
                return box.width > 0 && box.left >= wrap.left - 1 && box.right <= wrap.right + 1;
            }
            """;
        await page.WaitForFunctionAsync(inView, new[] { "th[data-column=last_update]" });
        await page.WaitForFunctionAsync(inView, new[] { "[data-testid=model-row] [data-testid=row-menu] button" });

        // A column added from the menu lands at the right end, beyond the window: the table scrolls to it.
        await page.ClickAsync("[data-testid=columns-menu]");
        await page.Locator("[data-testid=columns-panel]").GetByText("Description", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("th[data-column=comment]")).ToHaveCountAsync(1);
        await WebFixture.ClosePopoverAsync(page);
        Assert.True(await wrap.EvaluateAsync<bool>("w => w.scrollWidth > w.clientWidth"), "with the column added the table no longer fits, so this checks the scrolling");
        await page.WaitForFunctionAsync(inView, new[] { "th[data-column=comment]" });
        await page.WaitForFunctionAsync(inView, new[] { "[data-testid=model-row] [data-testid=row-menu] button" });
        await WebFixture.ScreenshotAsync(page, "model-table-column-added");
    }

    [Fact]
    public async Task No_tags_and_the_status_and_framework_filters_narrow_the_rows()
    {
        var project = await SeedTaggedAsync("filters");
        using (var api = web.Api())
        {
            var gamma = (await api.CallAsync("models.get_all", new { name = "^gamma$", project = new[] { project } })).Ok()["models"]![0]!["id"]!.GetValue<string>();
            (await api.CallAsync("models.publish_many", new { ids = new[] { gamma } })).Ok();
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await page.ClickAsync("[data-testid='filter-tags']");
        await page.Locator("[data-testid='filter-panel-tags'] [data-testid=tag-option][data-tag='']").ClickAsync();
        await ExpectRowsAsync(page, "delta");
        await WebFixture.ClosePopoverAsync(page);
        await page.ClickAsync("[data-testid=clear-filters]");
        await ExpectRowsAsync(page, "alpha", "beta", "gamma", "delta");

        await page.ClickAsync("[data-testid='filter-ready']");
        await page.Locator("[data-testid='filter-panel-ready'] [data-testid=filter-option][data-value=true] input").ClickAsync();
        await ExpectRowsAsync(page, "gamma");
        await WebFixture.ClosePopoverAsync(page);
        await page.ClickAsync("[data-testid=clear-filters]");

        await page.ClickAsync("[data-testid='filter-framework']");
        await page.Locator("[data-testid='filter-panel-framework'] [data-testid=filter-option][data-value=PyTorch] input").ClickAsync();
        await ExpectRowsAsync(page, "alpha", "gamma");
    }

    [Fact]
    public async Task Sorting_by_updated_orders_the_rows_and_shift_click_adds_a_second_key()
    {
        var project = await SeedTaggedAsync("sorting");
        using (var api = web.Api())
        {
            var beta = (await api.CallAsync("models.get_all", new { name = "^beta$", project = new[] { project } })).Ok()["models"]![0]!["id"]!.GetValue<string>();
            await Task.Delay(1100); // last_update has second precision on the wire
            (await api.CallAsync("models.edit", new { model = beta, uri = "https://example.com/models/beta-v2.pt" })).Ok();
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(4);

        await page.ClickAsync("[data-testid='sort-last_update']");
        await Assertions.Expect(page.Locator("th[data-column=last_update] [data-testid=sort-indicator]")).ToHaveAttributeAsync("data-direction", "desc");
        await Assertions.Expect(Rows(page).First).ToHaveAttributeAsync("data-model-name", "beta");
        Assert.Contains("order=-last_update", page.Url, StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "model-table-sorted");

        await page.ClickAsync("[data-testid='sort-last_update']");
        await Assertions.Expect(page.Locator("th[data-column=last_update] [data-testid=sort-indicator]")).ToHaveAttributeAsync("data-direction", "asc");
        await Assertions.Expect(Rows(page).Last).ToHaveAttributeAsync("data-model-name", "beta");

        await page.ClickAsync("[data-testid='sort-framework']", new PageClickOptions { Modifiers = [KeyboardModifier.Shift] });
        await Assertions.Expect(page.Locator("th .cairn-sort-rank")).ToHaveCountAsync(2);
        Assert.Contains("order=last_update&order=-framework", page.Url, StringComparison.Ordinal);

        await page.ReloadAsync();
        await WebFixture.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("th .cairn-sort-rank")).ToHaveCountAsync(2);
        await Assertions.Expect(Rows(page).Last).ToHaveAttributeAsync("data-model-name", "beta");
    }

    [Fact]
    public async Task Search_matches_names_from_three_characters_and_the_regex_toggle_takes_patterns()
    {
        var project = await SeedTaggedAsync("search");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(4);
        var search = page.Locator("input[data-testid=search], [data-testid=search] input").First;
        await search.FillAsync("amm");
        await ExpectRowsAsync(page, "gamma");
        Assert.Contains("q=amm", page.Url, StringComparison.Ordinal);

        // The toggle is a view of its own: Back returns to the plain search.
        await page.ClickAsync("[data-testid=regex-toggle]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("qreg=true"));
        await ExpectRowsAsync(page, "gamma");
        await page.GoBackAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("qreg=true"));
        await ExpectRowsAsync(page, "gamma");
        await Assertions.Expect(search).ToHaveValueAsync("amm");

        // A pattern and at once the toggle: the toggle takes what is typed, before or after the
        // typing pause. (Back is not checked here: when a loaded machine lets the pause pass
        // first, the typed search replaces the plain one in the history, as typing does.)
        await search.FillAsync("^(al|de)");
        await page.ClickAsync("[data-testid=regex-toggle]");
        await ExpectRowsAsync(page, "alpha", "delta");
        Assert.Contains("qreg=true", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(search).ToHaveValueAsync("^(al|de)");
        await WebFixture.ScreenshotAsync(page, "model-table-search");
    }

    [Fact]
    public async Task Rows_load_page_by_page_through_the_scroll_as_the_table_is_scrolled()
    {
        var project = await web.CreateProjectAsync("many");
        using (var api = web.Api())
        {
            for (var i = 0; i < 45; i++)
            {
                (await api.CallAsync("models.create", new { name = $"model-{i:D2}", project, uri = "https://example.com/m.pt" })).Ok();
            }
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(30);
        await page.Locator(".cairn-grid-wrap").EvaluateAsync("e => e.scrollTop = e.scrollHeight");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(45);
        await Assertions.Expect(page.Locator("[data-testid=table-footer]")).ToContainTextAsync("45 models");
        Assert.Equal(45, (await RowNamesAsync(page)).Distinct().Count());
    }

    [Fact]
    public async Task Two_selected_models_open_side_by_side_in_the_comparison()
    {
        var project = await SeedTaggedAsync("compare from table");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(4);
        await page.Locator("[data-testid=model-row][data-model-name=alpha] " + Input("select-row")).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=bulk-compare]")).ToBeDisabledAsync();
        await page.Locator("[data-testid=model-row][data-model-name=beta] " + Input("select-row")).ClickAsync();
        await page.ClickAsync("[data-testid=bulk-compare]");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}/models/compare\\?ids=[^/]+$"));
        var headers = page.Locator("[data-testid=compare-table] th[data-model-id]");
        await Assertions.Expect(headers).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=compare-table]")).ToContainTextAsync("alpha");
        await Assertions.Expect(page.Locator("[data-testid=compare-table]")).ToContainTextAsync("beta");
    }

    [Fact]
    public async Task Selected_models_are_archived_restored_and_deleted_from_the_archive_with_confirmation()
    {
        var project = await SeedTaggedAsync("lifecycle");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(4);
        await page.Locator("[data-testid=model-row][data-model-name=alpha] " + Input("select-row")).ClickAsync();
        await page.Locator("[data-testid=model-row][data-model-name=beta] " + Input("select-row")).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=selected-count]")).ToHaveTextAsync("2 selected");
        await WebFixture.ScreenshotAsync(page, "model-table-selection");
        await page.ClickAsync("[data-testid=bulk-archive]");
        await ExpectRowsAsync(page, "gamma", "delta");

        await page.ClickAsync("[data-testid=archive-toggle]");
        await ExpectRowsAsync(page, "alpha", "beta");
        Assert.Contains("archive=true", page.Url, StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "model-table-archive");

        await page.Locator("[data-testid=model-row][data-model-name=alpha] [data-testid=row-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=row-restore]");
        await ExpectRowsAsync(page, "beta");

        await page.Locator("[data-testid=model-row][data-model-name=beta] [data-testid=row-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=row-delete]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(0);

        using var api = web.Api();
        var names = (await api.CallAsync("models.get_all", new { project = new[] { project } })).Ok()["models"]!.AsArray()
            .Select(m => m!["name"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["alpha", "delta", "gamma"], names);
    }

    [Fact]
    public async Task Publishing_asks_first_and_tags_and_moves_apply_to_the_selection()
    {
        var project = await SeedTaggedAsync("actions");
        var target = await web.CreateProjectAsync("actions-target");
        var page = await web.SignedInPageAsync($"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(4);

        await page.Locator("[data-testid=model-row][data-model-name=delta] [data-testid=row-menu] button").ClickAsync();
        await page.ClickAsync("[data-testid=row-publish]");
        await Assertions.Expect(page.Locator(".mud-dialog")).ToContainTextAsync("Published models are read-only");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-row][data-model-name=delta] td[data-column=ready]")).ToHaveTextAsync("Published");

        await page.Locator(Input("select-all")).ClickAsync();
        await page.ClickAsync("[data-testid=bulk-add-tag]");
        await page.Locator("input[data-testid=tag-input], [data-testid=tag-input] input").First.FillAsync("reviewed");
        await page.Keyboard.PressAsync("Tab");
        await page.ClickAsync("[data-testid=save-tag]");
        await Assertions.Expect(page.Locator("td[data-column=tags]:has-text('reviewed')")).ToHaveCountAsync(4);

        await page.ClickAsync("[data-testid=bulk-move]");
        var moveTo = page.Locator("input[data-testid=move-project], [data-testid=move-project] input").First;
        await moveTo.FillAsync("actions-targ");
        await page.Locator(".mud-popover-open [role=option]", new() { HasTextString = "actions-target" }).ClickAsync();
        await Assertions.Expect(moveTo).ToHaveValueAsync("actions-target");
        await WebFixture.ScreenshotAsync(page, "model-table-move");
        // MudAutocomplete's search timer can open its list again after the pick when the machine is
        // slow, and the list then covers the button; the click goes to the button itself.
        await page.Locator("[data-testid=confirm-move]").DispatchEventAsync("click");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(0);

        using var api = web.Api();
        var moved = (await api.CallAsync("models.get_all", new { project = new[] { target } })).Ok()["models"]!.AsArray();
        Assert.Equal(4, moved.Count);
        Assert.All(moved, m => Assert.Contains("reviewed", m!["tags"]!.AsArray().Select(t => t!.GetValue<string>())));
    }

    [Fact]
    public async Task Csv_export_writes_the_rows_and_columns_on_screen()
    {
        var project = await SeedTaggedAsync("csv");
        var page = await web.SignedInPageAsync($"/projects/{project}/models?filter=tags:a");
        await ExpectRowsAsync(page, "alpha", "beta");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-csv]"));
        Assert.Equal("Cairn csv Models.csv", download.SuggestedFilename);
        var path = Path.Combine(WebFixture.ScreenshotDirectory, "models.csv");
        await download.SaveAsAsync(path);
        var lines = (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0).ToList();
        Assert.Equal("Framework,Name,Tags,Status,Project,User,Task,Updated", lines[0]);
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.StartsWith("PyTorch,alpha,\"a, b\",Draft,csv,Test User,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_metadata_column_added_by_the_user_shows_values_and_sorts()
    {
        var project = await web.CreateProjectAsync("metadata");
        using (var api = web.Api())
        {
            foreach (var (name, dataset) in new[] { ("model-1", "v2"), ("model-2", "v1"), ("model-3", "v3") })
            {
                var id = await web.CreateModelAsync(name, project);
                (await api.CallAsync("models.add_or_update_metadata", new JsonObject
                {
                    ["model"] = id,
                    ["metadata"] = new JsonArray(new JsonObject { ["key"] = "dataset", ["type"] = "str", ["value"] = dataset }),
                })).Ok();
            }
        }
        var page = await web.SignedInPageAsync($"/projects/{project}/models?columns=name&columns=meta.dataset&order=meta.dataset");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(3);
        Assert.Equal(["model-2", "model-1", "model-3"], await RowNamesAsync(page));
        await Assertions.Expect(page.Locator("[data-model-name=model-1] td[data-column='meta.dataset']")).ToHaveTextAsync("v2");
        await WebFixture.ScreenshotAsync(page, "model-table-metadata-column");
    }

    [Fact]
    public async Task A_metadata_column_whose_key_has_a_dot_and_a_dollar_shows_sorts_and_filters_its_values()
    {
        const string Key = "eval.top$1";
        var project = await web.CreateProjectAsync("metadata key with a dot");
        using (var api = web.Api())
        {
            foreach (var (name, value) in new[] { ("model-1", "0.80"), ("model-2", "0.70"), ("model-3", "0.90") })
            {
                var id = await web.CreateModelAsync(name, project);
                (await api.CallAsync("models.add_or_update_metadata", new JsonObject
                {
                    ["model"] = id,
                    ["metadata"] = new JsonArray(new JsonObject { ["key"] = Key, ["type"] = "float", ["value"] = value }),
                })).Ok();
            }
        }
        var column = Uri.EscapeDataString("meta." + Key);
        var page = await web.SignedInPageAsync($"/projects/{project}/models?columns=name&columns={column}&order={column}");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(3);
        Assert.Equal(["model-2", "model-1", "model-3"], await RowNamesAsync(page));
        await Assertions.Expect(page.Locator($"[data-model-name=model-1] td[data-column='meta.{Key}']")).ToHaveTextAsync("0.80");

        await page.Locator($"[data-testid='filter-meta.{Key}']").ClickAsync();
        var panel = page.Locator($"[data-testid='filter-panel-meta.{Key}']");
        await panel.Locator("[data-testid=filter-option][data-value='0.90'] input").ClickAsync();
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(1);
        await Assertions.Expect(Rows(page)).ToHaveAttributeAsync("data-model-name", "model-3");
    }

    [Fact]
    public async Task A_missing_project_shows_not_found()
    {
        var page = await web.SignedInPageAsync("/projects/*/models");
        await page.GotoAsync("/projects/0123456789abcdef0123456789abcdef/models");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task After_a_missing_project_the_next_projects_table_still_pages_as_it_is_scrolled()
    {
        var project = await web.CreateProjectAsync("paged after not found");
        using (var api = web.Api())
        {
            for (var i = 0; i < 45; i++)
            {
                (await api.CallAsync("models.create", new { name = $"model-{i:D2}", project, uri = "https://example.com/m.pt" })).Ok();
            }
        }
        var page = await web.SignedInPageAsync("/projects/0123456789abcdef0123456789abcdef/models");
        await Assertions.Expect(page.Locator("[data-testid=not-found]")).ToHaveCountAsync(1);

        // Navigating inside the circuit keeps the same table component: the not-found page removed
        // the element that marks the table's end, and the new table's one must be watched instead.
        await page.EvaluateAsync("path => Blazor.navigateTo(path)", $"/projects/{project}/models");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(30);
        await page.Locator(".cairn-grid-wrap").EvaluateAsync("e => e.scrollTop = e.scrollHeight");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(45);
    }
}
