using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Web.Models;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Cairn.Bench.Web;

/// <summary>
/// The model table over a large store, in a real browser: navigation until the first page of rows
/// is rendered (first visit and warm), a tag filter change until the new rows are rendered, and the
/// API calls underneath them as the floor.
/// </summary>
internal sealed class WebBenchmark(WebBenchOptions options, TextWriter progress)
{
    /// <summary>The table's page size (ModelTable.PageSize); the expected rows are the API's first page of that size.</summary>
    public const int PageSize = 30;

    private const string TablePath = "projects/*/models";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var scratch = options.DataDirectory is null ? Directory.CreateTempSubdirectory("cairn-web-bench-") : null;
        try
        {
            var dataDir = options.DataDirectory ?? Path.Combine(scratch!.FullName, "data");
            var fill = await PrepareStoreAsync(dataDir, cancellationToken).ConfigureAwait(false);
            var result = new WebResult(options, options.ModelCount, fill, ProcStats.LoadAverage());

            await using var server = WebServer.Start(options.ServerBinary, dataDir);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
            var api = await ApiFloor.SignInAsync(client, server.ApiBase, cancellationToken).ConfigureAwait(false);

            var steps = FilterSteps();
            foreach (var step in steps.Prepend(new FilterStep("no filter", "", new ModelTableState())))
            {
                var (data, _) = await api.CallAsync("models.get_all_ex", FirstPageRequest(step.State), cancellationToken).ConfigureAwait(false);
                step.ExpectedIds = [.. (data["models"] as JsonArray ?? []).Select(m => m!["id"]!.GetValue<string>())];
                result.Queries.Add(step);
            }
            var unfiltered = result.Queries[0];

            var (playwright, browser) = await LaunchAsync().ConfigureAwait(false);
            using (playwright)
            {
                await using (browser)
                {
                    result.BrowserVersion = browser.Version;
                    var signedIn = await SignInAsync(browser, server.WebBase).ConfigureAwait(false);
                    await MeasureNavigationAsync(browser, server.WebBase, signedIn, unfiltered.ExpectedIds, result, cancellationToken).ConfigureAwait(false);
                    await MeasureFiltersAsync(browser, server, signedIn, steps, result, cancellationToken).ConfigureAwait(false);
                }
            }

            await progress.WriteLineAsync($"API floor: {options.Samples} calls per query").ConfigureAwait(false);
            foreach (var query in result.Queries)
            {
                var cpuBefore = ProcStats.CpuTime(server.Pid);
                query.Api = await api.MeasureAsync("models.get_all_ex", FirstPageRequest(query.State), options.Samples, cancellationToken).ConfigureAwait(false);
                query.ApiServerCpuPerCall = (ProcStats.CpuTime(server.Pid) - cpuBefore).TotalMilliseconds / (options.Samples + ApiFloor.WarmupCalls);
            }
            // The calls the filter menus make when they first open (no longer part of a visit), as the page sends them.
            result.Tags = await api.MeasureAsync("projects.get_model_tags", [], options.Samples, cancellationToken).ConfigureAwait(false);
            result.Frameworks = await api.MeasureAsync("models.get_frameworks", [], options.Samples, cancellationToken).ConfigureAwait(false);
            result.Projects = await api.MeasureAsync("projects.get_all_ex", new JsonObject
            {
                ["only_fields"] = new JsonArray("id", "name"),
                ["order_by"] = new JsonArray("name"),
                ["size"] = 500,
            }, options.Samples, cancellationToken).ConfigureAwait(false);
            result.ServerRssMiB = ProcStats.Memory(server.Pid).PeakMiB;
            return WebReport.Write(result);
        }
        finally
        {
            try
            {
                scratch?.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await progress.WriteLineAsync($"could not remove {scratch?.FullName}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fills the store, or reuses the one a previous <c>--data</c> run left for the same count and seed; null when reused.</summary>
    private async Task<TimeSpan?> PrepareStoreAsync(string dataDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDir);
        var databasePath = Path.Combine(dataDir, "cairn.db");
        var marker = Path.Combine(dataDir, "corpus.txt");
        var wanted = Invariant($"{options.ModelCount} models, seed {options.Seed}");
        if (File.Exists(databasePath) && File.Exists(marker) && await File.ReadAllTextAsync(marker, cancellationToken).ConfigureAwait(false) == wanted)
        {
            await progress.WriteLineAsync($"reusing {databasePath} ({wanted})").ConfigureAwait(false);
            return null;
        }
        foreach (var file in new[] { marker, databasePath, databasePath + "-wal", databasePath + "-shm" })
        {
            File.Delete(file);
        }
        await progress.WriteLineAsync($"filling {databasePath} with {wanted}").ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        await ModelCorpus.CreateAsync(databasePath, options.ModelCount, options.Seed, cancellationToken).ConfigureAwait(false);
        var fill = Stopwatch.GetElapsedTime(started);
        SqliteConnection.ClearAllPools();
        await File.WriteAllTextAsync(marker, wanted, cancellationToken).ConfigureAwait(false);
        return fill;
    }

    /// <summary>Include one tag; add a second (ANY); turn the second into an exclude: each one click in the tag filter.</summary>
    private List<FilterStep> FilterSteps()
    {
        var include = options.IncludeTag;
        var exclude = options.ExcludeTag;
        var notExclude = ModelTableState.ExcludedTagPrefix + exclude;
        return
        [
            new FilterStep($"include `{include}`", include, new ModelTableState().WithFilter("tags", new ColumnFilter([include]))),
            new FilterStep($"add `{exclude}` (`{include}` or `{exclude}`)", exclude, new ModelTableState().WithFilter("tags", new ColumnFilter([include, exclude]))),
            new FilterStep($"exclude `{exclude}` (`{include}`, not `{exclude}`)", exclude, new ModelTableState().WithFilter("tags", new ColumnFilter([include, notExclude]))),
        ];
    }

    /// <summary>The request the table sends for its first page of a view (ModelTable.ReloadAsync).</summary>
    private static JsonObject FirstPageRequest(ModelTableState state)
    {
        var body = state.ToRequest("*");
        body.Size = PageSize;
        body.ScrollId = ""; // present and empty: start a scroll, as the table does
        return JsonSerializer.SerializeToNode(body, ClearmlJson.TypeInfo<GetAllModelsRequest>())!.AsObject();
    }

    private static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new FileNotFoundException($"{chromium} is missing: install it with 'apt-get install -y chromium' (scripts/test.sh does).");
        }
        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        }).ConfigureAwait(false);
        return (playwright, browser);
    }

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, Uri webBase, string? storageState)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = webBase.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            StorageState = storageState,
        }).ConfigureAwait(false);
        context.SetDefaultTimeout(30_000);
        await context.AddInitScriptAsync(TableProbe.InitScript).ConfigureAwait(false);
        return context;
    }

    /// <summary>Signs in through the form once; later contexts start from its cookies with an empty cache.</summary>
    private async Task<string> SignInAsync(IBrowser browser, Uri webBase)
    {
        await progress.WriteLineAsync("signing in through the form").ConfigureAwait(false);
        await using var context = await NewContextAsync(browser, webBase, null).ConfigureAwait(false);
        var page = await context.NewPageAsync().ConfigureAwait(false);
        await page.GotoAsync("login?returnUrl=%2Fprojects").ConfigureAwait(false);
        await page.FillAsync("#username", WebServer.Username).ConfigureAwait(false);
        await page.FillAsync("#password", WebServer.Password).ConfigureAwait(false);
        await page.ClickAsync("[data-testid=sign-in]").ConfigureAwait(false);
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/projects").ConfigureAwait(false);
        return await context.StorageStateAsync().ConfigureAwait(false);
    }

    private async Task MeasureNavigationAsync(
        IBrowser browser, Uri webBase, string signedIn, IReadOnlyList<string> expected, WebResult result, CancellationToken cancellationToken)
    {
        // The first visit after the server started pays for JIT and first-use caches on the server; reported on its own.
        await using (var context = await NewContextAsync(browser, webBase, signedIn).ConfigureAwait(false))
        {
            var page = await context.NewPageAsync().ConfigureAwait(false);
            result.FirstAfterStart = Check(await TableProbe.NavigateAsync(page, TablePath).ConfigureAwait(false), expected, result);
            await progress.WriteLineAsync(Invariant($"first visit after server start: rows {result.FirstAfterStart.Rows:0} ms, live {result.FirstAfterStart.Live:0} ms")).ConfigureAwait(false);
        }
        for (var i = 0; i < options.Runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var context = await NewContextAsync(browser, webBase, signedIn).ConfigureAwait(false);
            var page = await context.NewPageAsync().ConfigureAwait(false);
            result.Cold.Add(Check(await TableProbe.NavigateAsync(page, TablePath).ConfigureAwait(false), expected, result));
            await progress.WriteLineAsync(Invariant($"first visit {i + 1}/{options.Runs}: rows {result.Cold[^1].Rows:0} ms, live {result.Cold[^1].Live:0} ms")).ConfigureAwait(false);
        }
        await using (var context = await NewContextAsync(browser, webBase, signedIn).ConfigureAwait(false))
        {
            var page = await context.NewPageAsync().ConfigureAwait(false);
            await TableProbe.NavigateAsync(page, TablePath).ConfigureAwait(false); // fills the browser's cache
            for (var i = 0; i < options.Runs; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                result.Warm.Add(Check(await TableProbe.NavigateAsync(page, TablePath).ConfigureAwait(false), expected, result));
                await progress.WriteLineAsync(Invariant($"warm visit {i + 1}/{options.Runs}: rows {result.Warm[^1].Rows:0} ms, live {result.Warm[^1].Live:0} ms")).ConfigureAwait(false);
            }
        }
    }

    private static NavigationFigures Check(NavigationFigures figures, IReadOnlyList<string> expected, WebResult result)
    {
        if (!figures.Ids.SequenceEqual(expected))
        {
            result.NavigationRowsDiffer++;
        }
        return figures;
    }

    private async Task MeasureFiltersAsync(
        IBrowser browser, WebServer server, string signedIn, List<FilterStep> steps, WebResult result, CancellationToken cancellationToken)
    {
        await using var context = await NewContextAsync(browser, server.WebBase, signedIn).ConfigureAwait(false);
        var page = await context.NewPageAsync().ConfigureAwait(false);
        var traffic = new SocketTraffic(page);
        const string panel = "[data-testid=filter-panel-tags]";
        // One unmeasured round first: the server's first filter change compiles and caches what later ones reuse.
        for (var run = -1; run < options.Runs; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TableProbe.NavigateAsync(page, TablePath).ConfigureAwait(false);
            await page.ClickAsync("[data-testid=filter-tags]").ConfigureAwait(false);
            foreach (var step in steps)
            {
                var option = $"{panel} [data-testid=tag-option][data-tag=\"{step.Tag}\"]";
                // The panel lists the tags seen in the loaded rows; typing the tag lists it whatever was loaded.
                var search = page.Locator($"{panel} input[data-testid=tag-search], {panel} [data-testid=tag-search] input").First;
                if (await search.InputValueAsync().ConfigureAwait(false) != step.Tag)
                {
                    await search.FillAsync(step.Tag).ConfigureAwait(false);
                }
                await page.Locator(option).WaitForAsync().ConfigureAwait(false);
                var before = traffic.Now();
                var cpuBefore = ProcStats.CpuTime(server.Pid);
                var figures = await TableProbe.ClickUntilRowsAsync(page, option, step.ExpectedIds).ConfigureAwait(false);
                var cpu = ProcStats.CpuTime(server.Pid) - cpuBefore;
                var frames = traffic.Now() - before;
                if (run < 0)
                {
                    var url = new Uri(page.Url);
                    var shown = ModelTableState.FromQuery(QueryHelpers.ParseQuery(url.Query));
                    // The floor must send what the page sends: the page's URL gives the same request as the step's state.
                    step.UrlMatches = FirstPageRequest(shown).ToJsonString() == FirstPageRequest(step.State).ToJsonString();
                    step.Url = url.PathAndQuery;
                    continue;
                }
                step.Clicks.Add(figures);
                step.ClickServerCpu.Add(cpu.TotalMilliseconds);
                step.Frames.Add(frames);
            }
            if (run >= 0)
            {
                await progress.WriteLineAsync(Invariant(
                    $"filter run {run + 1}/{options.Runs}: {string.Join(", ", steps.Select(s => $"{s.Clicks[^1].Rows:0}"))} ms")).ConfigureAwait(false);
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
