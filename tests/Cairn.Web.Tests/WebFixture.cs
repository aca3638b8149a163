using System.Text.Json.Nodes;
using Cairn.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Cairn.Web.Tests;

/// <summary>One real server and one browser shared by the end-to-end tests of a class.</summary>
public sealed class WebFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public string WebUrl => $"http://127.0.0.1:{Server.WebPort}";

    /// <summary>Screenshots go under the test output, one per test, for a reviewer to look at every screen.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        (_playwright, _browser) = await Tests.Browser.LaunchAsync();
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh browser context (its own cookies), not signed in.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = WebUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        // Generous: the tests share a small machine with builds; nothing here measures time.
        context.SetDefaultTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A page signed in as the test user through the sign-in form, on the projects page.</summary>
    public async Task<IPage> SignedInPageAsync(string path = "/projects", IPage? page = null)
    {
        page ??= await NewPageAsync();
        await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(path)}");
        await page.FillAsync("#username", TestServer.Username);
        await page.FillAsync("#password", TestServer.Password);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path.Split('?')[0]);
        await WaitForInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits until the Blazor circuit is up, so clicks reach event handlers.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.Blazor !== undefined && document.querySelector('[data-interactive=true]') !== null");

    /// <summary>
    /// Closes the open menu with a click outside it, as a user does, and waits until it is closed.
    /// A click that lands before the menu's overlay is in place is lost (a user would click again),
    /// so the click is repeated a few times rather than the next step clicking into the overlay.
    /// </summary>
    public static async Task ClosePopoverAsync(IPage page)
    {
        var open = page.Locator(".mud-popover-open");
        for (var attempt = 1; ; attempt++)
        {
            await page.Mouse.ClickAsync(8, 600);
            try
            {
                await Assertions.Expect(open).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>An API client with the seeded key pair, to seed data the way the SDK would.</summary>
    public ApiClient Api() => Server.Client();

    public async Task<string> CreateProjectAsync(string name, string? description = null)
    {
        using var api = Api();
        var body = new JsonObject { ["name"] = name, ["description"] = description ?? "" };
        return (await api.CallAsync("projects.create", body)).Ok()["id"]!.GetValue<string>();
    }

    public async Task<string> CreateModelAsync(string name, string project, string[]? tags = null, string framework = "PyTorch", bool ready = false)
    {
        using var api = Api();
        var body = new JsonObject
        {
            ["name"] = name,
            ["project"] = project,
            ["uri"] = $"https://example.com/models/{Uri.EscapeDataString(name)}.pt",
            ["framework"] = framework,
            ["tags"] = new JsonArray([.. (tags ?? []).Select(t => (JsonNode)t)]),
            ["ready"] = ready,
        };
        return (await api.CallAsync("models.create", body)).Ok()["id"]!.GetValue<string>();
    }
}
